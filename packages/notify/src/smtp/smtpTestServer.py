"""A real SMTP server for the SMTP notifier's test (aiosmtpd from PyPI).

Binds 127.0.0.1 on a free port, prints {"port": N} on its first line, then one JSON line per
message it receives: envelope sender, recipients and the raw message. Stops when stdin closes.
"""
import json
import socket
import sys

from aiosmtpd.controller import Controller


class Recorder:
    async def handle_DATA(self, server, session, envelope):
        content = envelope.content.decode('utf8', errors='replace') if isinstance(envelope.content, bytes) else envelope.content
        print(json.dumps({'from': envelope.mail_from, 'to': envelope.rcpt_tos, 'data': content}), flush=True)
        return '250 Message accepted for delivery'


def main():
    # The controller checks it is up by connecting to its port, so it needs a concrete one: ask
    # the kernel for a free port and retry on the rare collision.
    for _attempt in range(20):
        probe = socket.socket()
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
        probe.close()
        controller = Controller(Recorder(), hostname='127.0.0.1', port=port)
        try:
            controller.start()
            break
        except Exception:  # the port was taken in between
            continue
    else:
        raise SystemExit('no free port for the SMTP server')
    print(json.dumps({'port': port}), flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == '__main__':
    main()
