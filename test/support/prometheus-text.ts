/**
 * A small reader of Prometheus's text exposition format (version 0.0.4), for
 * tests: every sample with its labels, and the TYPE of each metric family.
 * Strict about what it reads: a line it cannot parse throws, so a malformed
 * exposition fails the test instead of being skipped.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
  /** The value of the one sample with this name whose labels include `labels`; undefined when none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample with this name whose labels include `labels`. */
  all(name: string, labels?: Record<string, string>): Sample[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/gy;

export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice("# TYPE ".length).split(" ");
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith("# HELP ")) {
      const rest = line.slice("# HELP ".length);
      const space = rest.indexOf(" ");
      help.set(rest.slice(0, space), rest.slice(space + 1));
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[3] ?? "";
    labelPair.lastIndex = 0;
    let position = 0;
    while (position < body.length) {
      labelPair.lastIndex = position;
      const pair = labelPair.exec(body);
      if (!pair) throw new Error(`bad labels in: ${line}`);
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
      position = labelPair.lastIndex;
      if (body[position] === ",") position += 1;
    }
    const raw = match[4]!;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    // prom-client writes NaN as "Nan"; Prometheus (Go's ParseFloat) reads it in any case.
    if (Number.isNaN(value) && raw.toLowerCase() !== "nan") throw new Error(`bad value in: ${line}`);
    samples.push({ name: match[1]!, labels, value });
  }
  const includes = (sample: Sample, labels: Record<string, string>) =>
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
  const all = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((sample) => sample.name === name && includes(sample, labels));
  return {
    samples,
    types,
    help,
    all,
    value: (name, labels = {}) => {
      const found = all(name, labels);
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
  };
}

/** GET /metrics of a bot, parsed; fails on anything but a 200 in the text format. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(`${url}/metrics`, { headers });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain")) throw new Error(`GET /metrics answered ${type}`);
  return parsePrometheusText(await response.text());
}
