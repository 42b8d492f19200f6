import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fanoutRows } from '../bench/e2e/fanoutRows.js';
import { AnswerReader, runOpenConnectionsLoad } from '../bench/e2e/openConnectionsLoad.js';
import { formatRate, formatRatio, parseTableRows, renderTable } from '../bench/e2e/performanceTable.js';
import { getScript, parseWrkResult, processCpuSeconds, uniquePostScript } from '../bench/e2e/wrk.js';

describe('the end-to-end benchmark harness (npm run bench)', () => {
  describe('parseWrkResult', () => {
    it('should read the result line among wrk\'s own output: rate, percentiles in ms, failures', () => {
      const output = [
        'Running 10s test @ http://127.0.0.1:8080/v1/groups',
        '  2 threads and 64 connections',
        '  31000 requests in 10.00s, 9.1MB read',
        'WRK_RESULT {"requests":31000,"durationUs":10000000,"p50Us":1500,"p99Us":19250,"status":3,"socket":2}',
      ].join('\n');
      expect(parseWrkResult(output)).to.deep.equal({ requests: 31000, seconds: 10, perSecond: 3100, p50Ms: 1.5, p99Ms: 19.25, non2xx: 3, socketErrors: 2 });
    });

    it('should say what wrk printed when there is no result line (a script error, a refused connection)', () => {
      expect(() => parseWrkResult('unable to connect to 127.0.0.1:1 Connection refused')).to.throw(/Connection refused/);
    });
  });

  describe('the wrk scripts', () => {
    it('should escape header values into Lua string literals and end with the result hook', () => {
      const script = getScript({ authorization: 'Bearer a"b\\c' });
      expect(script).to.include('wrk.headers["authorization"] = "Bearer a\\"b\\\\c"');
      expect(script).to.include('WRK_RESULT');
    });

    it('should number each POST body with the thread and a counter, so every create names a new resource', () => {
      const script = uniquePostScript({}, '{"displayName":"bench {{id}}"}');
      expect(script).to.match(/string\.gsub\(.*\{\{id\}\}.*, id\)/);
      expect(script).to.include('thread:set("tid", threads)');
    });
  });

  describe('the open-connections load client', () => {
    it('should complete an answer only once its whole body arrived, by Content-Length or the last chunk', () => {
      const reader = new AnswerReader();
      expect(reader.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab'))).to.deep.equal([]);
      expect(reader.push(Buffer.from('cHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc'))).to.deep.equal([200, 404]);
      expect(reader.push(Buffer.from('\r\n0\r\n\r\n'))).to.deep.equal([201]);
    });

    it('should time only after every connection was answered once, in its own process, each POST with its own id', async () => {
      const bodies: string[] = [];
      const sockets = new Set<unknown>();
      const server = createServer((request, response) => {
        sockets.add(request.socket);
        let body = '';
        request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          bodies.push(body);
          response.writeHead(body.includes('"n":"9"') ? 409 : 200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const result = await runOpenConnectionsLoad({ url: `http://127.0.0.1:${port}/v1/groups`, method: 'POST', headers: { authorization: 'Bearer t' }, bodyTemplate: '{"n":"{{id}}"}', connections: 4, seconds: 0.5 });
        expect(sockets.size).to.equal(4);
        // The four warm-up exchanges are served but not counted.
        expect(bodies.length).to.equal(result.requests + 4);
        expect(new Set(bodies).size).to.equal(bodies.length);
        expect(result.non2xx).to.equal(1);
        expect(result.p50Ms).to.be.greaterThan(0).and.at.most(result.p99Ms);
        expect(result.p99Ms).to.be.at.most(result.maxMs);
      } finally {
        server.close();
      }
    });
  });

  describe('the table', () => {
    const rows = [
      { figure: 'creates/s at 64 clients (wrk), p99', measured: '12.3k/s, p99 9.0 ms', ceiling: 'raw: 20.0k/s', ratio: '61.5 %', goal: '≥ 10k/s' },
      { figure: 'a | b', measured: 'x', ceiling: '—', ratio: '—', goal: 'y' },
    ];

    it('should render the issue\'s columns as Markdown, escaping pipes inside cells', () => {
      const lines = renderTable(rows).split('\n');
      expect(lines[0]).to.equal('| figure | measured | ceiling (same run) | ratio | goal |');
      expect(lines[1]).to.equal('|---|---|---|---|---|');
      expect(lines[2]).to.equal('| creates/s at 64 clients (wrk), p99 | 12.3k/s, p99 9.0 ms | raw: 20.0k/s | 61.5 % | ≥ 10k/s |');
      expect(lines[3]).to.equal('| a \\| b | x | — | — | y |');
    });

    it('should read back the rows another bench prints, leaving out header and separator rows', () => {
      const printed = `some log line\n${renderTable(rows)}\n| not | a | row |\n`;
      expect(parseTableRows(printed)).to.deep.equal(rows);
    });

    it('should format rates and ratios as the issue writes them', () => {
      expect([formatRate(950), formatRate(1530), formatRate(14_560)]).to.deep.equal(['950', '1.53k', '14.6k']);
      expect(formatRatio(5, 20)).to.equal('25.0 %');
      expect(formatRatio(5, undefined)).to.equal('—');
    });
  });

  describe('processCpuSeconds', () => {
    it('should read this process\'s CPU time where /proc exists, and nothing for a process that is gone', function () {
      const own = processCpuSeconds(process.pid);
      if (own === undefined) this.skip(); // not Linux: the harness prints rates without CPU per request
      expect(own).to.be.greaterThan(0);
      expect(processCpuSeconds(2 ** 22 + 12_345)).to.equal(undefined);
    });
  });
});

describe('the watch rows of the end-to-end benchmark harness', () => {
  it('should take over the fan-out bench\'s scenario lines: latency, delivery, ack ratio, memory per idle watch', () => {
    const output = [
      'watch fan-out, keystream start (embedded) + a separate Node load client — 2 × CPU, node v20 (quick)',
      '  this      no watchers, 10 writes/s               frame p50       — ms  p99       — ms  max       — ms  (0/0)  ack p50     3.1 ms  p99     7.9 ms',
      '  this      3k watchers (all), 10 writes/s         frame p50    12.5 ms  p99    40.2 ms  max    61.0 ms  (119000/120000)  ack p50     4.0 ms  p99    12.0 ms  RSS/idle watch 6.3 KiB, second half 4.9 KiB  (sync 2.1 s)',
      '  this      3k watchers (all), 10 writes/s         write ack p99 1.52× the no-watcher p99 at the same rate',
    ].join('\n');
    expect(fanoutRows(output)).to.deep.equal([
      {
        figure: 'write → watch frame, 3k watchers (all), 10 writes/s',
        measured: 'p50 12.5 ms, p99 40.2 ms (119000/120000 frames); write ack p99 12.0 ms',
        ceiling: 'write ack p99 with no watchers, same rate',
        ratio: '1.52×',
        goal: 'p99 < 50 ms; write ack p99 within 2× of no watchers',
      },
      { figure: 'memory per idle watch (server RSS growth per watch)', measured: '6.3 KiB over all, 4.9 KiB over the second half (3k)', ceiling: '—', ratio: '—', goal: '< 10 KiB RSS' },
    ]);
  });
});
