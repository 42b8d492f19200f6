/**
 * A TCP forwarder with a fixed port in front of a keystream process, run in its own child process
 * (its sockets are not the test's). A page keeps one origin while the server behind the door
 * restarts on a new port (a just-closed port can stay in TIME_WAIT for a minute); `cut` drops every
 * connection as a network failure would. Controlled over IPC: `{target}` re-points, `{cut}` cuts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The door, from the test's side. */
export interface FrontDoor {
  readonly url: string;
  /** Points new connections at `port` on 127.0.0.1. */
  retarget(port: number): Promise<void>;
  /** Drops every open connection. */
  cut(): Promise<void>;
  close(): Promise<void>;
}

interface Command {
  readonly target?: number;
  readonly cut?: boolean;
}

/** Starts a door forwarding to `target`. */
export async function startFrontDoor(target: number): Promise<FrontDoor> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [String(target)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ask = (command: Command): Promise<unknown> =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(command);
    });
  const port = await new Promise<number>((resolve) => child.once('message', (message) => {
    resolve(Number(message));
  }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    resolve();
  }));
  return {
    url: `http://127.0.0.1:${port}`,
    retarget: async (next) => {
      await ask({ target: next });
    },
    cut: async () => {
      await ask({ cut: true });
    },
    close: async () => {
      child.kill();
      await exited;
    },
  };
}

function serve(initialTarget: number): void {
  let target = initialTarget;
  const open = new Set<Socket>();
  const server = createServer((incoming) => {
    const outgoing = connect(target, '127.0.0.1');
    for (const socket of [incoming, outgoing]) {
      open.add(socket);
      socket.on('close', () => {
        open.delete(socket);
        incoming.destroy();
        outgoing.destroy();
      });
      socket.on('error', () => undefined);
    }
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.((server.address() as AddressInfo).port);
  });
  process.on('message', (command: Command) => {
    if (command.target !== undefined) target = command.target;
    if (command.cut === true) for (const socket of open) socket.destroy();
    process.send?.('ok');
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve(Number(process.argv[2]));
