// Compiled by types.test.mjs with `tsc --noEmit --strict` against the generated definitions of
// the web build: the API must be typed as documented (this file is never run).

import init, {
  Ruleset,
  type ConfigureResult,
  type Diagnostic,
  type EvalResult,
  type OrdoError,
  type TransitionsResult,
} from "../../pkg/web/ordo_wasm.js";

export async function example(source: string): Promise<string | null> {
  await init();
  let ruleset: Ruleset;
  try {
    ruleset = Ruleset.compile(source, "bikes.ordo");
  } catch (e) {
    const error = e as OrdoError;
    const first: Diagnostic | undefined = error.diagnostics?.[0];
    return first ? `${first.line}:${first.column} ${first.kind} ${first.hint ?? ""}` : error.message;
  }
  const name: string = ruleset.name;
  const hash: string = ruleset.hash;
  const result: EvalResult = ruleset.evaluate(
    { frame: "trekking", quantity: 12, fleet_discount: "0.05", ship_to: { country: "DE" } },
    { asOf: "2026-03-01", trace: true },
  );
  const total: string | null = result.quotes["quote"]?.total ?? null;
  const valid: boolean = result.valid && result.violations.every((v) => v.severity !== "error");
  const text: string = ruleset.evaluateJson('{"quantity": 1}');
  const options: ConfigureResult = ruleset.configure({ frame: "gravel" }, { asOf: "2026-03-01" });
  const blocked = options.fields["groupset"]?.options.filter((o) => !o.available) ?? [];
  const reasons: string[] = blocked.flatMap((o) => (o.blocked_by ?? []).map((b) => b.message));
  const next: TransitionsResult = ruleset.transitions({
    workflow: "order",
    state: "draft",
    actor: "sales",
    input: { amount: "100.00" },
  });
  const applied = ruleset.apply({
    workflow: "order",
    state: "draft",
    actor: "sales",
    input: { amount: "100.00" },
    transition: "submit",
    event: { instance: "SO-1", seq: 1, at: "2026-03-01T09:00:00Z" },
  });
  const bytes: Uint8Array = ruleset.toArtifact();
  const again: Ruleset = Ruleset.fromArtifact(bytes);
  again.free();
  return [name, hash, total, valid, text, reasons.join(), next.state, applied.actions.length].join(" ");
}
