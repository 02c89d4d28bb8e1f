// Loaded with `node --import` into Hugging Face's MCP server (the reference the benchmark
// measures gradio_mcp against), to point it at the benchmark's emulated world on loopback.
//
// The reference has its Hub (`https://huggingface.co`) and space hosts
// (`https://{subdomain}.hf.space`) written into its code, so this module:
//   * rewrites the URLs of its fetches: the Hub's to BENCH_HUB_URL, a space's to
//     BENCH_SPACE_HOST_TEMPLATE with its subdomain filled in (each space keeps its own origin,
//     hence its own connections, as on the Hub);
//   * answers the name lookups of those hosts with 127.0.0.1, the only address used. Its SSRF
//     guard still looks every host up (twice) and refuses internal addresses unless the host
//     is on ALLOW_INTERNAL_ADDRESS_HOSTS, which the benchmark sets to exactly these names.
// Every other name resolves as usual, and every other URL is fetched unchanged.

import dns from "node:dns";
import { syncBuiltinESMExports } from "node:module";

const LOOPBACK = "127.0.0.1";
const HUB_ORIGIN = "https://huggingface.co";
const SPACE = /^https:\/\/([a-z0-9-]+)\.hf\.space(?=[/?]|$)/i;
// The light space hosts are `{subdomain}.spaces.bench`; `{subdomain}.localhost` is the Hub
// emulator's own form for proxied spaces.
const WORLD_NAMES = [/^huggingface\.co$/i, /\.hf\.space$/i, /\.spaces\.bench$/i, /\.localhost$/i];

const hubUrl = process.env.BENCH_HUB_URL;
const spaceTemplate = process.env.BENCH_SPACE_HOST_TEMPLATE;
if (!hubUrl || !spaceTemplate) {
  throw new Error("reference_preload: BENCH_HUB_URL and BENCH_SPACE_HOST_TEMPLATE are needed");
}
const hub = hubUrl.replace(/\/+$/, "");

/** The world's URL for one of the reference's hard-coded URLs (others unchanged). */
function redirect(url) {
  if (url === HUB_ORIGIN || url.startsWith(HUB_ORIGIN + "/")) {
    return hub + url.slice(HUB_ORIGIN.length);
  }
  const space = SPACE.exec(url);
  if (space) {
    return spaceTemplate.replace("{subdomain}", space[1].toLowerCase()) + url.slice(space[0].length);
  }
  return url;
}

const inWorld = (hostname) => WORLD_NAMES.some((name) => name.test(String(hostname)));

// --------------------------------------------------------------------- fetch

const originalFetch = globalThis.fetch;
globalThis.fetch = function benchFetch(input, init) {
  if (typeof input === "string") {
    return originalFetch(redirect(input), init);
  }
  if (input instanceof URL) {
    return originalFetch(redirect(input.href), init);
  }
  if (input instanceof Request) {
    const target = redirect(input.url);
    return originalFetch(target === input.url ? input : new Request(target, input), init);
  }
  return originalFetch(input, init);
};

// --------------------------------------------------------------------- name lookups

const originalLookup = dns.lookup;
dns.lookup = function benchLookup(hostname, options, callback) {
  const done = typeof options === "function" ? options : callback;
  if (!inWorld(hostname)) {
    return originalLookup.call(dns, hostname, options, callback);
  }
  const all = typeof options === "object" && options !== null && options.all;
  process.nextTick(() =>
    all ? done(null, [{ address: LOOPBACK, family: 4 }]) : done(null, LOOPBACK, 4),
  );
  return {};
};

const originalPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function benchPromiseLookup(hostname, options) {
  if (!inWorld(hostname)) {
    return originalPromiseLookup.call(dns.promises, hostname, options);
  }
  const all = typeof options === "object" && options !== null && options.all;
  return all ? [{ address: LOOPBACK, family: 4 }] : { address: LOOPBACK, family: 4 };
};

// `import("node:dns/promises")` and `import { lookup } from "node:dns"` see the patched
// functions only after this.
syncBuiltinESMExports();
