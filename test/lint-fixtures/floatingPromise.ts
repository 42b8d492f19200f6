async function save(): Promise<void> {
  await Promise.resolve();
}

/** Starts a write and forgets it. */
export function fireAndForget(): void {
  save();
}
