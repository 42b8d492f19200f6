/**
 * `KEYSTREAM_SHARD_ENDPOINTS`: the endpoints each agent shard is served at (the shard of an
 * account is service-api's shardPlan). Its own module so that reading the configuration does not
 * load the application.
 */

/**
 * Parses `0=https://a.example,https://b.example;1=https://c.example`. Throws an Error naming the
 * entry that is wrong.
 */
export function parseShardEndpoints(text: string | undefined): Map<number, string[]> {
  const endpoints = new Map<number, string[]>();
  if (text === undefined || text.trim() === '') return endpoints;
  for (const entry of text.split(';')) {
    const match = /^\s*(\d+)\s*=\s*(\S+(?:\s*,\s*\S+)*)\s*$/.exec(entry);
    if (match === null) throw new Error(`expected <shard>=<url>[,<url>…] entries separated by ';', got ${JSON.stringify(entry)}`);
    const shard = Number(match[1]);
    const urls = (match[2] as string).split(',').map((url) => url.trim());
    for (const url of urls) {
      if (!URL.canParse(url)) throw new Error(`shard ${shard}: ${JSON.stringify(url)} is not a URL`);
    }
    endpoints.set(shard, [...(endpoints.get(shard) ?? []), ...urls]);
  }
  return endpoints;
}
