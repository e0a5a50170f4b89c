import type { Supergraph } from '@apollo/federation-internals';

const PERCENT = /^percent\((\d+(?:\.\d+)?)\)$/;

/** A progressive-override label of the supergraph and how a request decides it. */
interface Label {
  name: string;
  /** For `percent(N)`: N / 100, the share of requests that take the overriding subgraph. */
  share?: number;
  /** For any other label: whether configuration (OVERRIDE_LABELS) turns it on. */
  on?: boolean;
}

/**
 * Progressive override (`@override(from: "a", label: "percent(25)")`): a field moves from one
 * subgraph to another for a share of requests, or when a label is turned on. Apollo's gateway never
 * passes labels to the planner, so there every field stays where it was overridden from; here each
 * request draws its labels: a `percent(N)` label is on for N% of requests (each request drawn on its
 * own, as Apollo Router does), any other label is on when OVERRIDE_LABELS names it.
 */
export class OverrideLabels {
  private readonly labels: Label[];

  /**
   * @param names the labels the supergraph's `@join__field(overrideLabel:)` use.
   * @param enabled OVERRIDE_LABELS: the custom labels that are on.
   * @param random a number in [0, 1) per draw; default Math.random.
   */
  constructor(
    names: readonly string[],
    enabled: readonly string[],
    private readonly random: () => number = Math.random,
  ) {
    this.labels = [...new Set(names)].sort().map((name) => {
      const percent = PERCENT.exec(name);
      return percent ? { name, share: Number(percent[1]) / 100 } : { name, on: enabled.includes(name) };
    });
  }

  /** The supergraph's override labels, as written in its `@join__field` applications. */
  static namesIn(supergraph: Supergraph): string[] {
    const joinField = supergraph.schema.directives().find((d) => d.name === 'join__field');
    // Both sides of an override carry its label (the new field, and the old one as overridden).
    const names = new Set<string>();
    for (const application of joinField?.applications() ?? []) {
      const label: unknown = application.arguments().overrideLabel;
      if (typeof label === 'string' && label) names.add(label);
    }
    return [...names];
  }

  /** Configured labels the supergraph does not use (a typo, or a label already removed). */
  unknown(enabled: readonly string[]): string[] {
    return enabled.filter((name) => !this.labels.some((l) => l.name === name));
  }

  /** One request's labels, always in the same order; undefined when the supergraph has none. */
  draw(): ReadonlyMap<string, boolean> | undefined {
    if (this.labels.length === 0) return undefined;
    const drawn = new Map<string, boolean>();
    for (const l of this.labels) drawn.set(l.name, l.share === undefined ? l.on! : this.random() < l.share);
    return drawn;
  }
}
