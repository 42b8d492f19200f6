type Colour = 'red' | 'green' | 'blue';

/** Forgets a case. */
export function hex(colour: Colour): string {
  switch (colour) {
    case 'red':
      return '#f00';
    case 'green':
      return '#0f0';
  }
  return '';
}
