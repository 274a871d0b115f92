import { spawnSync } from "node:child_process";

/**
 * The installed `caddy` (Debian's package), for the tests that run
 * deploy/Caddyfile for real. Returns undefined when there is none.
 */
export function installedCaddyVersion(): [number, number] | undefined {
  const result = spawnSync("caddy", ["version"], { encoding: "utf8" });
  if (result.status !== 0) return undefined;
  const match = /v?(\d+)\.(\d+)/.exec(result.stdout);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * deploy/Caddyfile as the installed Caddy spells it. The file targets the
 * current `caddy:2` image; Debian bookworm ships Caddy 2.6, which names the
 * request buffer `buffer_requests` (no size) instead of `request_buffers
 * <size>` (Caddy 2.7 and later). Nothing else is changed.
 */
export function caddyfileForInstalledCaddy(caddyfile: string, version = installedCaddyVersion()): string {
  if (!version) throw new Error("caddy is not installed (apt-get install caddy)");
  const [major, minor] = version;
  const older = major < 2 || (major === 2 && minor < 7);
  return older ? caddyfile.replace(/\brequest_buffers\s+\S+/g, "buffer_requests") : caddyfile;
}
