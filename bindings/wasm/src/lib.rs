//! ordo for JavaScript: the rules and pricing engine compiled to WebAssembly with
//! wasm-bindgen, for browsers (`--target web`) and Node.js (`--target nodejs`).
//!
//! ```js
//! const ruleset = Ruleset.compile(source);          // throws an OrdoError with .diagnostics
//! const result = ruleset.evaluate({ quantity: 12, fleet_discount: "0.05" }, { asOf: "2026-03-01" });
//! result.quotes.quote.total;                          // "12345.60": decimals are strings
//! ruleset.evaluateJson('{"quantity": 12}');           // the engine's canonical JSON text
//! ```
//!
//! Inputs and results are plain JS objects that cross the boundary as the engine's JSON, so a
//! result is byte for byte what every other host (the CLI, the server, Python) returns.
//! Decimals are strings in both directions: a JS number is accepted only when it is a safe
//! integer, and `BigInt`s are taken exactly. Every failure is thrown as an `Error` named
//! `OrdoError` with the engine's stable `kind` and, where it applies, `path`, `rule` and `hint`.

mod convert;
mod js;

use ordo_engine::{ApplyRequest, StartRequest, TimerRequest, TransitionsRequest, UpdateRequest};
use serde_json::Value as Json;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use convert::{JsConfigureOptions, JsEvalOptions, options_from_json};

/// The TypeScript definitions of the API: inputs, options, results and errors. The results are
/// the engine's result schema (`engine/schema/result.schema.json`) written as TypeScript;
/// `tests.rs` checks them against it.
#[cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "wasm-bindgen copies the definitions into the module's custom section; only the tests read the constant itself"
    )
)]
const TYPES: &str = r#"
/** A decimal number as a string that keeps its scale, e.g. `"1850.00"`. */
export type Decimal = string;

/** A JSON value as the engine reads it: decimals are strings; numbers must be safe integers. */
export type JsonValue =
  | string | number | bigint | boolean | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** An input object, shaped as the ruleset's `input` block declares it. */
export type Input = { [field: string]: JsonValue };

/** Approvals already granted (spec §12): chain → step → who granted it and on which facts. */
export type Approvals = {
  [chain: string]: { [step: string]: { by: string; facts?: { [path: string]: JsonValue } } };
};

/** Options of `evaluate` and `evaluateJson`. */
export interface EvalOptions {
  /** The evaluation date, `"YYYY-MM-DD"`; defaults to the version's `effective` date. */
  asOf?: string;
  /** Add a `trace` explaining how each output, decision, constraint and line was reached. */
  trace?: boolean;
  /** Approvals already granted. */
  approvals?: Approvals;
  /** The instant `now`, RFC 3339 UTC; defaults to `asOf` at 00:00:00Z. */
  at?: string;
}

/** Options of `configure`. */
export interface ConfigureOptions {
  /** The evaluation date, `"YYYY-MM-DD"`. */
  asOf?: string;
  /** Also disable options that lead only to dead ends (a bounded search). */
  complete?: boolean;
  /** What unset fields count as for outputs and prices: `"unknown"` (the default) or `"apply"`
   * (their declared defaults, so a configurator shows a price from the first click). */
  defaults?: "unknown" | "apply";
  /** Input paths that are context (the customer), not choices: not offered as options. */
  context?: string[];
}

/**
 * A value of the ruleset in a result: decimals (Int, Decimal, Percent), texts, enum values, dates,
 * times and durations are strings, sets and lists arrays, records objects, an absent value `null`.
 * Never a number: the ruleset's declared types say which strings are numbers.
 */
export type ResultValue = string | boolean | null | ResultValue[] | { [key: string]: ResultValue };

// The results below are the engine's result schema (engine/schema/result.schema.json), one
// interface per object definition; a test of this crate checks their fields against it.

/** Which ruleset produced a result. */
export interface RulesetIdentity { name: string; version: string; hash: string; }

/** A violated constraint. */
export interface Violation {
  id: string;
  severity: "error" | "warning" | "review";
  /** A constraint over elements: the failing element's path (`items[2]`). */
  at?: string;
  message: string;
}

/** An unknown enum text read as its field's `fallback`. */
export interface InputNote { path: string; received: string; read_as: string; }

/** One line of a quote. */
export interface QuoteLine {
  id: string;
  kind: "line" | "discount" | "surcharge" | "tax";
  label: string;
  /** `qty Q at U` lines only. */
  quantity?: Decimal;
  unit_price?: Decimal;
  amount: Decimal;
  /** With `trace`: how the amount was computed. */
  explain?: string;
}

/** A price block's result. */
export interface Quote {
  currency: string;
  lines: QuoteLine[];
  subtotals: { [name: string]: Decimal };
  total: Decimal;
}

/** A line of the quote of a partial input (`configure`): `null` while its amount is not known. */
export interface PartialQuoteLine {
  id: string;
  kind: "line" | "discount" | "surcharge" | "tax";
  label: string;
  quantity?: Decimal;
  unit_price?: Decimal;
  amount: Decimal | null;
}

/** The quote of a partial input (`configure`): what can already be computed. */
export interface PartialQuote {
  currency: string;
  lines: PartialQuoteLine[];
  subtotals: { [name: string]: Decimal | null };
  total: Decimal | null;
}

/** A grant of a step that does not count: its approver (empty when it named none) and why. */
export interface RefusedGrant { by: string; reason: "no_approver" | "wrong_role" | "self_approval" | "duplicate_approver" | "out_of_order"; }

/** One required step of an approval chain. */
export interface ApprovalStep {
  id: string;
  label: string;
  role: string | null;
  /** When several roles may grant the step: all of them. */
  roles?: string[];
  /** For a step of a `parallel` group: the group's number. */
  parallel_group?: number;
  status: "pending" | "granted" | "stale";
  /** For a step with a `quorum N`: N, the distinct approvers it needs. */
  needed?: number;
  /** The approvers whose grants count (current or stale), in grant order. */
  granted_by: string[];
  /** When some grant does not count: each one's approver and why. */
  refused?: RefusedGrant[];
  depends_on: string[];
  /** The `depends_on` paths, then the `facts` expressions (keyed by their text). */
  facts: { [key: string]: ResultValue };
}

/** An approval chain's status. */
export interface ApprovalChain { complete: boolean; steps: ApprovalStep[]; }

/** A matched decision row (1-based) and its line in the source. */
export interface TraceRow { row: number; line: number; }

/** One trace entry: a `constraint` has `holds`, the other kinds a `value`. */
export interface TraceEntry {
  kind: "let" | "output" | "decision" | "constraint";
  id: string;
  value?: ResultValue;
  holds?: boolean | null;
  reads: { [name: string]: ResultValue };
  /** For a decision: the rows that matched. */
  rows?: TraceRow[];
}

/** The result of `evaluate` (spec §16). */
export interface EvalResult {
  ruleset: RulesetIdentity;
  as_of: string | null;
  valid: boolean;
  violations: Violation[];
  /** Only when an enum `fallback` was taken. */
  input_notes?: InputNote[];
  outputs: { [name: string]: ResultValue };
  quotes: { [name: string]: Quote };
  approvals: { [chain: string]: ApprovalChain };
  /** With `trace`. */
  trace?: TraceEntry[];
}

/** A constraint that rules an option out. */
export interface BlockingConstraint { id: string; message: string; }

/** Why an option leads only to dead ends. */
export interface DeadEnd { reason: string; }

/** A candidate value of a configurable field. */
export interface ConfigureOption {
  value: string | boolean;
  available: boolean;
  /** The constraints that rule this value out, in declaration order. */
  blocked_by?: BlockingConstraint[];
  /** With `complete`: every completion of this value violates an `error` constraint. */
  dead_end?: DeadEnd;
  /** The `warning` and `review` constraints choosing this value would violate (it stays available). */
  warned_by?: WarningConstraint[];
}

/** A `warning` or `review` constraint that an option would violate. */
export interface WarningConstraint { id: string; severity: "warning" | "review"; message: string; }

/** A configurable field: the value chosen so far and the default (`null` for none). */
export interface ConfigureField {
  selected: ResultValue;
  default: ResultValue;
  options: ConfigureOption[];
}

/** What the dead-end search of `complete` spent. */
export interface SearchSummary { evaluations: number; budget: number; bound_hit: boolean; }

/** The result of `configure` (spec §18). */
export interface ConfigureResult {
  ruleset: RulesetIdentity;
  fields: { [field: string]: ConfigureField };
  violations: Violation[];
  /** `null` where not known yet. */
  outputs: { [name: string]: ResultValue };
  quotes: { [name: string]: PartialQuote };
  /** With `complete`. */
  search?: SearchSummary;
}

/** A run-time error as the engine writes it (spec §17). */
export interface EngineError {
  kind: ErrorKind;
  message: string;
  path?: string;
  rule?: string;
  hint?: string;
  more?: EngineError[];
}

/** When a workflow event happens (`apply`): instance id, sequence number and RFC 3339 times. */
export interface WorkflowEvent { instance: string; seq: number; at: string; entered_at?: string; previous_state?: string; }

/** Who acts (spec §24): a role, or an id with the roles it holds. */
export type Actor = string | { id?: string; roles: string[] };

/** A workflow request (spec §13): the engine's JSON request, snake_case like every host's. */
export interface TransitionsRequest {
  workflow: string;
  state: string;
  actor: Actor;
  input: Input;
  as_of?: string;
  approvals?: Approvals;
  event?: WorkflowEvent;
}

/** A request to apply one transition. */
export interface ApplyRequest extends TransitionsRequest { transition: string; }

/** A request for a due `stay … after` timer. */
export interface TimerRequest extends TransitionsRequest { trigger: string; }

/** A request to start an instance (spec §24): no `state`, an `event`. */
export type StartRequest = Omit<TransitionsRequest, "state"> & { event: WorkflowEvent; };

/** A request to report a change of an instance's data (spec §24). */
export interface UpdateRequest extends TransitionsRequest { previous_input: Input; event: WorkflowEvent; }

/** The actor's role may not take the transition: the roles that may. */
export interface RoleReason { kind: "role"; allowed: string[]; }

/** The transition's guard is false: its source text. */
export interface GuardReason { kind: "guard"; guard: string; }

/** An approval chain the transition requires is not complete. */
/** A grant of a required chain's step that does not count: the step, its approver and why. */
export interface StepRefusal { step: string; by: string; reason: "no_approver" | "wrong_role" | "self_approval" | "duplicate_approver" | "out_of_order"; }

/** An approval chain the transition requires is not complete; `refused` when some grant does not count. */
export interface ApprovalsReason { kind: "approvals"; chain: string; pending: string[]; stale: string[]; refused?: StepRefusal[]; }

/** Why a transition is not enabled. */
/** `-> previous`, and the event names no previous state. */
export interface PreviousReason { kind: "previous"; }

/** Why a transition is not enabled. */
export type TransitionReason = RoleReason | GuardReason | ApprovalsReason | PreviousReason;

/** An outgoing transition: enabled, or with every reason it is not. */
export interface TransitionStatus { id: string; to: string | null; enabled: boolean; reasons: TransitionReason[]; }

/** The next actions from a state (spec §13). */
export interface TransitionsResult {
  workflow: string;
  state: string;
  owner: string | null;
  due?: string;
  transitions: TransitionStatus[];
}

/** An action returned by a trigger, with its idempotency key. */
export interface TriggerAction {
  trigger: string;
  action: "notify" | "escalate" | "task" | "emit";
  args: { [name: string]: ResultValue };
  key: string;
}

/** A timer armed by the new state: due at an RFC 3339 time. */
export interface Timer { trigger: string; due: string; }

/** The result of `apply` (spec §13–§14). */
export interface ApplyResult {
  workflow: string;
  transition: string;
  from: string;
  to: string;
  owner: string | null;
  due?: string;
  actions: TriggerAction[];
  timers: Timer[];
}

/** The result of `start` (spec §24): the initial state, its owner, SLA, actions and timers. */
export interface StartResult {
  workflow: string;
  state: string;
  owner: string | null;
  due?: string;
  actions: TriggerAction[];
  timers: Timer[];
}

/** A timer an update cancels. */
export interface TimerCancel { trigger: string; }

/** The result of `update` (spec §24): edge and change actions, timers re-armed and cancelled. */
export interface UpdateResult {
  workflow: string;
  state: string;
  actions: TriggerAction[];
  timers: Timer[];
  cancel: TimerCancel[];
}

/** The result of `fireTimer` (spec §14): `reason` (and no actions) when it did not fire. */
export interface TimerResult {
  trigger: string;
  fired: boolean;
  reason?: string;
  actions: TriggerAction[];
}

/** One compile-time problem. Lines and columns are 1-based. */
export interface Diagnostic {
  kind: string;
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  span: { start: number; end: number };
  labels: { message: string; line: number; column: number; span: { start: number; end: number } }[];
  hint: string | null;
  /** For a problem in a data file (then `file`, `line` and `column` are the data file's): the
   * ruleset's `from "FILE"`. */
  ruleset?: { file: string; line: number; column: number };
}

/** The data files a ruleset's tables read (spec §21), by the name its `from "NAME"` gives. */
export type DataFiles = Record<string, string>;

/** The stable kinds of run-time errors (spec §17). */
export type ErrorKind =
  | "missing_input" | "invalid_input" | "unknown_field" | "no_match" | "multiple_matches"
  | "missing_key" | "out_of_bands" | "division_by_zero" | "overflow" | "transition"
  | "unknown_currency" | "missing_as_of" | "invalid_value" | "invalid_request"
  | "index_out_of_range" | "duplicate_key" | "internal";

/** What every thrown error carries (`name` is `"OrdoError"`). */
export interface OrdoError extends Error {
  /** `"compile"` for a ruleset that does not compile, else the run-time kind. */
  kind: ErrorKind | "compile";
  /** The JSON path of the offending input (`ship_to.country`, `accessories[1]`). */
  path?: string;
  /** The id of the rule that failed. */
  rule?: string;
  hint?: string;
  /** Further input problems found in the same input. */
  more?: EngineError[];
  /** For `kind: "compile"`: every problem of the source. */
  diagnostics?: Diagnostic[];
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &'static str = TYPES;

#[wasm_bindgen]
extern "C" {
    /// A plain JS input object.
    #[wasm_bindgen(typescript_type = "Input")]
    pub type InputObject;
    /// The data files a ruleset reads, by name.
    #[wasm_bindgen(typescript_type = "DataFiles")]
    pub type DataFilesObject;
    /// `evaluate`'s options.
    #[wasm_bindgen(typescript_type = "EvalOptions")]
    pub type EvalOptionsObject;
    /// `configure`'s options.
    #[wasm_bindgen(typescript_type = "ConfigureOptions")]
    pub type ConfigureOptionsObject;
    /// A workflow request.
    #[wasm_bindgen(typescript_type = "TransitionsRequest")]
    pub type TransitionsRequestObject;
    /// An apply request.
    #[wasm_bindgen(typescript_type = "ApplyRequest")]
    pub type ApplyRequestObject;
    /// A timer request.
    #[wasm_bindgen(typescript_type = "TimerRequest")]
    pub type TimerRequestObject;
    /// `evaluate`'s result.
    #[wasm_bindgen(typescript_type = "EvalResult")]
    pub type EvalResultObject;
    /// `configure`'s result.
    #[wasm_bindgen(typescript_type = "ConfigureResult")]
    pub type ConfigureResultObject;
    /// `transitions`' result.
    #[wasm_bindgen(typescript_type = "TransitionsResult")]
    pub type TransitionsResultObject;
    /// `apply`'s result.
    #[wasm_bindgen(typescript_type = "ApplyResult")]
    pub type ApplyResultObject;
    /// `fireTimer`'s result.
    #[wasm_bindgen(typescript_type = "TimerResult")]
    pub type TimerResultObject;
    /// A start request.
    #[wasm_bindgen(typescript_type = "StartRequest")]
    pub type StartRequestObject;
    /// An update request.
    #[wasm_bindgen(typescript_type = "UpdateRequest")]
    pub type UpdateRequestObject;
    /// `start`'s result.
    #[wasm_bindgen(typescript_type = "StartResult")]
    pub type StartResultObject;
    /// `update`'s result.
    #[wasm_bindgen(typescript_type = "UpdateResult")]
    pub type UpdateResultObject;
}

/// A compiled ruleset. Compile it once, then evaluate it as often as needed.
#[wasm_bindgen(js_name = Ruleset)]
pub struct JsRuleset {
    inner: ordo_engine::Ruleset,
}

#[wasm_bindgen(js_class = Ruleset)]
impl JsRuleset {
    /// Parses, checks and compiles a ruleset's source. On failure throws an `OrdoError` with
    /// `kind: "compile"`, the rendered diagnostics as its message and a `diagnostics` array
    /// (every problem of the source, each with `kind`, `message`, `line`, `column`, `hint`).
    /// `fileName` names the source in diagnostics (default `"ruleset.ordo"`); `files` gives the
    /// data files its tables read by name (`{"contracts.csv": "customer,model,price\n..."}`).
    /// Not in the runtime module (built without the `compiler` feature).
    #[cfg(feature = "compiler")]
    pub fn compile(
        source: &str,
        #[wasm_bindgen(js_name = fileName)] file_name: Option<String>,
        files: Option<DataFilesObject>,
    ) -> Result<JsRuleset, JsValue> {
        let file = file_name.unwrap_or_else(|| "ruleset.ordo".to_string());
        let files = match files {
            Some(files) => ordo_engine::DataFiles::from_json(&js::to_json(&files, "files")?)
                .map_err(|e| js::eval_error(&e))?,
            None => ordo_engine::DataFiles::new(),
        };
        ordo_engine::Ruleset::compile_with_files(source, &files)
            .map(|inner| JsRuleset { inner })
            .map_err(|diagnostics| js::compile_error(&diagnostics, &file, source))
    }

    /// Restores a ruleset from the bytes of `toArtifact()` (no parsing or checking needed).
    #[wasm_bindgen(js_name = fromArtifact)]
    pub fn from_artifact(bytes: &[u8]) -> Result<JsRuleset, JsValue> {
        ordo_engine::Ruleset::from_artifact(bytes)
            .map(|inner| JsRuleset { inner })
            .map_err(|e| js::eval_error(&e))
    }

    /// The compiled ruleset as bytes, to ship instead of the source. Throws an `OrdoError`
    /// of kind `internal` if the engine cannot serialise it (no bytes are given then).
    #[wasm_bindgen(js_name = toArtifact)]
    pub fn to_artifact(&self) -> Result<Vec<u8>, JsValue> {
        self.inner.to_artifact().map_err(|e| js::eval_error(&e))
    }

    /// The ruleset's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// The ruleset's semantic version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version().to_string()
    }

    /// `sha256:` + the hex digest of the ruleset's canonical form: reformatting or editing
    /// comments keeps it, any change of meaning changes it.
    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> String {
        self.inner.hash().to_string()
    }

    /// The first day this version applies (`"YYYY-MM-DD"`), if declared.
    #[wasm_bindgen(getter)]
    pub fn effective(&self) -> Option<String> {
        self.inner.effective().map(|d| d.to_string())
    }

    /// Evaluates a complete input and returns the result as a plain object (decimals as
    /// strings). Throws an `OrdoError` (`missing_input`, `invalid_input`, `no_match`, ...) with
    /// `path` or `rule`: a result is complete or not given at all.
    pub fn evaluate(
        &self,
        input: InputObject,
        options: Option<EvalOptionsObject>,
    ) -> Result<EvalResultObject, JsValue> {
        let input = js::to_json(&input, "the input")?;
        let options = eval_options(options.map(JsValue::from))?;
        let result = self
            .inner
            .evaluate(&input, &options)
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }

    /// Evaluates JSON text and returns the engine's canonical JSON text: byte for byte what
    /// `ordo eval --compact` prints and every other host returns.
    #[wasm_bindgen(js_name = evaluateJson)]
    pub fn evaluate_json(
        &self,
        input: &str,
        options: Option<EvalOptionsObject>,
    ) -> Result<String, JsValue> {
        let options = eval_options(options.map(JsValue::from))?;
        self.inner
            .evaluate_str(input, &options)
            .map_err(|e| js::eval_error(&e))
    }

    /// Option availability for a partial input (spec §18): for every field with a finite
    /// domain, each value as available or not with the constraints that rule it out
    /// (`blocked_by`), and the constraints already violated.
    pub fn configure(
        &self,
        partial: InputObject,
        options: Option<ConfigureOptionsObject>,
    ) -> Result<ConfigureResultObject, JsValue> {
        let partial = js::to_json(&partial, "the partial input")?;
        let options: JsConfigureOptions = read_options(options.map(JsValue::from))?;
        let request = options
            .into_request(partial)
            .map_err(|e| js::eval_error(&e))?;
        let result = self
            .inner
            .configure(&request)
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }

    /// Next actions (spec §13): every outgoing transition of `request.state` for
    /// `request.actor`, enabled or with every reason it is not.
    pub fn transitions(
        &self,
        request: TransitionsRequestObject,
    ) -> Result<TransitionsResultObject, JsValue> {
        let request = js::to_json(&request, "the request")?;
        let result = TransitionsRequest::from_json(&request)
            .and_then(|request| self.inner.transitions(&request))
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }

    /// Applies `request.transition` (spec §13): the new state, the actions of the triggers
    /// it fires and the timers it arms. Throws a `transition` error saying why not.
    pub fn apply(&self, request: ApplyRequestObject) -> Result<ApplyResultObject, JsValue> {
        let request = js::to_json(&request, "the request")?;
        let result = ApplyRequest::from_json(&request)
            .and_then(|request| self.inner.apply(&request))
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }

    /// A `stay … after` timer fell due (spec §14): the trigger's actions, or none when the
    /// instance has left the state or the condition no longer holds.
    #[wasm_bindgen(js_name = fireTimer)]
    pub fn fire_timer(&self, request: TimerRequestObject) -> Result<TimerResultObject, JsValue> {
        let request = js::to_json(&request, "the request")?;
        let result = TimerRequest::from_json(&request)
            .and_then(|request| self.inner.fire_timer(&request))
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }

    /// Starts an instance (spec §24): the initial state, its owner and SLA due time, the
    /// actions of its `enter` triggers and the timers it arms.
    pub fn start(&self, request: StartRequestObject) -> Result<StartResultObject, JsValue> {
        let request = js::to_json(&request, "the request")?;
        let result = StartRequest::from_json(&request)
            .and_then(|request| self.inner.start(&request))
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }

    /// The instance's data changed (spec §24): the actions of `on change` and `on becomes`
    /// triggers, the timers to arm again and those to cancel.
    pub fn update(&self, request: UpdateRequestObject) -> Result<UpdateResultObject, JsValue> {
        let request = js::to_json(&request, "the request")?;
        let result = UpdateRequest::from_json(&request)
            .and_then(|request| self.inner.update(&request))
            .map_err(|e| js::eval_error(&e))?;
        to_js(&result).map(JsCast::unchecked_into)
    }
}

/// The engine's options from a JS options object (absent, `undefined` or `null` for none).
fn eval_options(options: Option<JsValue>) -> Result<ordo_engine::EvalOptions, JsValue> {
    JsEvalOptions::from_json(options_json(options)?)
        .and_then(JsEvalOptions::into_engine)
        .map_err(|e| js::eval_error(&e))
}

fn read_options<T>(options: Option<JsValue>) -> Result<T, JsValue>
where
    T: Default + for<'de> serde::Deserialize<'de>,
{
    options_from_json(options_json(options)?).map_err(|e| js::eval_error(&e))
}

/// An options object as JSON: `null` when it is absent, `undefined` or `null`.
fn options_json(options: Option<JsValue>) -> Result<Json, JsValue> {
    match options {
        Some(value) if !value.is_null_or_undefined() => js::to_json(&value, "the options"),
        _ => Ok(Json::Null),
    }
}

/// A result as a plain JS value, through the canonical JSON text.
fn to_js(value: &Json) -> Result<JsValue, JsValue> {
    js::from_json_text(&ordo_engine::to_json_string(value))
}

#[cfg(test)]
mod tests;
