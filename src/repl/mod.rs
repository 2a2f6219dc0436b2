//! The REPL session: the loaded ruleset, the inputs set so far, and the commands that act on
//! them. Results go to standard output, errors to standard error; no error ends the session.

pub mod helper;
mod literal;
mod workflow;

use std::collections::BTreeSet;
use std::path::PathBuf;

use ordo_dsl::ast::{Item, PriceStmt, Ruleset as Ast, TypeExprKind};
use ordo_engine::ConfigureRequest;
use ordo_engine::adhoc::AdhocError;
use ordo_engine::text::parse_date;
use ordo_engine::{EvalOptions, Ruleset};
use serde_json::{Map, Value as Json};

use helper::{COMMANDS, Completions, Names};

/// A ruleset with no declarations, the scope of a session started without a file.
const EMPTY: &str = "ruleset repl version \"0.0.0\"\n";

/// What the session does after a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    Quit,
}

/// One REPL session.
pub struct Session {
    file: Option<PathBuf>,
    /// The source the session evaluates in (the file's text, or [`EMPTY`]).
    source: String,
    /// The compiled ruleset; `None` while the file does not compile.
    ruleset: Option<Ruleset>,
    input: Map<String, Json>,
    /// The evaluation date (`:as_of`), kept as the options every evaluation starts from.
    base: EvalOptions,
    /// Completion candidates, shared with the line editor.
    pub names: Names,
    /// How many commands failed (the exit code of a piped session says whether any did).
    pub errors: usize,
    /// The workflow instance `:state` set and `:apply` moves.
    instance: Option<workflow::Instance>,
    /// Who acts in `:state`, `:apply` and `:fire` (`:actor`).
    actor: Option<ordo_engine::Actor>,
    /// The workflow events sent so far (the next event's `seq`).
    events: u64,
}

impl Session {
    /// Starts a session over `file` (or the empty ruleset); a file that does not compile is
    /// reported and the session starts anyway, so it can be fixed and `:reload`ed.
    pub fn start(file: Option<PathBuf>) -> Session {
        let mut session = Session {
            file,
            source: EMPTY.to_string(),
            ruleset: None,
            input: Map::new(),
            base: EvalOptions::default(),
            names: Names::default(),
            errors: 0,
            instance: None,
            actor: None,
            events: 0,
        };
        match session.load() {
            Ok(()) => {}
            Err(message) => session.fail(&message),
        }
        session
    }

    /// A line for people about what is loaded.
    pub fn banner(&self) -> String {
        match &self.ruleset {
            Some(r) if self.file.is_some() => format!(
                "ordo repl: {} {} ({}). :help lists the commands.",
                r.name(),
                r.version(),
                r.hash()
            ),
            Some(_) => "ordo repl: no ruleset loaded; expressions use the built-ins. :help lists \
                        the commands."
                .to_string(),
            None => "ordo repl: the ruleset does not compile; fix it and :reload.".to_string(),
        }
    }

    fn fail(&mut self, message: &str) {
        self.errors += 1;
        eprintln!("{}", message.trim_end());
    }

    /// Reads and compiles the file (or the empty ruleset); on failure the previous ruleset
    /// stays in use.
    fn load(&mut self) -> Result<(), String> {
        let source = match &self.file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("error: cannot read `{}`: {e}", path.display()))?,
            None => EMPTY.to_string(),
        };
        let files = match &self.file {
            Some(path) => {
                crate::files::read_data_files(path, &source).map_err(|e| format!("error: {e}"))?
            }
            None => ordo_engine::DataFiles::new(),
        };
        match Ruleset::compile_with_files(&source, &files) {
            Ok(ruleset) => {
                *self.names.borrow_mut() = match ordo_dsl::parse(&source) {
                    Ok(ast) => {
                        let (states, transitions, timers) = workflow::completion_names(&ast);
                        Completions {
                            names: completion_names(&ast),
                            states,
                            transitions,
                            timers,
                        }
                    }
                    Err(_) => Completions::default(),
                };
                self.source = source;
                self.ruleset = Some(ruleset);
                Ok(())
            }
            Err(diagnostics) => {
                let name = self.file_name();
                let count = diagnostics.len();
                Err(format!(
                    "{}\n{name}: {count} error{}",
                    diagnostics.render(&name, &source),
                    if count == 1 { "" } else { "s" }
                ))
            }
        }
    }

    fn file_name(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| "<repl>".to_string(), |f| f.display().to_string())
    }

    /// Handles one (possibly multi-line) input.
    pub fn handle(&mut self, line: &str) -> Next {
        let line = line.trim();
        if line.is_empty() {
            return Next::Continue;
        }
        let Some(command) = line.strip_prefix(':') else {
            self.evaluate(line);
            return Next::Continue;
        };
        let (word, rest) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(w, r)| (w, r.trim()));
        match word {
            "quit" | "q" | "exit" => return Next::Quit,
            "help" | "h" | "?" => crate::output::outln!("{HELP}"),
            "set" => self.set(rest),
            "unset" => self.unset(rest),
            "input" => self.load_input(rest),
            "inputs" => crate::output::outln!(
                "{}",
                ordo_engine::to_json_pretty(&Json::Object(self.input.clone()))
            ),
            "as_of" => self.set_as_of(rest),
            "why" => self.why(rest),
            "type" => self.show_type(rest),
            "configure" => self.configure(),
            "grant" => self.grant(rest),
            "now" => self.set_now(rest),
            "actor" => self.set_actor(rest),
            "state" => self.set_state(rest),
            "start" => self.start_instance(rest),
            "apply" => self.apply(rest),
            "fire" => self.fire(rest),
            "reload" => self.reload(),
            other => {
                let known: Vec<&str> = COMMANDS.iter().map(|c| c.trim_start_matches(':')).collect();
                let hint = ordo_dsl::diagnostic::did_you_mean(other, known)
                    .map_or(String::new(), |h| format!("\n  help: {h}"));
                self.fail(&format!(
                    "error: unknown command `:{other}`{hint}\n  (:help lists the commands)"
                ));
            }
        }
        Next::Continue
    }

    fn options(&self, trace: bool) -> EvalOptions {
        EvalOptions {
            trace,
            ..self.base.clone()
        }
    }

    /// Compiles an expression in the ruleset's scope, reporting problems like `ordo check`.
    fn compile(&mut self, expression: &str) -> Option<ordo_engine::adhoc::Adhoc> {
        if self.ruleset.is_none() {
            self.fail("error: the ruleset does not compile; fix it and :reload");
            return None;
        }
        match Ruleset::compile_expression(&self.source, expression) {
            Ok(adhoc) => Some(adhoc),
            Err(AdhocError::Expression(diagnostics)) => {
                self.fail(&diagnostics.render("<input>", expression));
                None
            }
            Err(AdhocError::Ruleset(diagnostics)) => {
                let name = self.file_name();
                let rendered = diagnostics.render(&name, &self.source);
                self.fail(&rendered);
                None
            }
        }
    }

    fn evaluate(&mut self, expression: &str) {
        let Some(adhoc) = self.compile(expression) else {
            return;
        };
        let input = Json::Object(self.input.clone());
        match adhoc.evaluate(&input, &self.options(false)) {
            Ok(value) if value.known => crate::output::outln!("{}", value.text),
            Ok(value) => crate::output::outln!(
                "unknown: set {} first",
                value
                    .missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(error) => self.fail(&error.render()),
        }
    }

    fn show_type(&mut self, expression: &str) {
        if let Some(adhoc) = self.compile(expression) {
            crate::output::outln!("{}", adhoc.type_name());
        }
    }

    /// `:set PATH = VALUE`
    fn set(&mut self, rest: &str) {
        let Some((path, value)) = rest.split_once('=') else {
            self.fail("error: write `:set NAME = VALUE` (for example `:set quantity = 12`)");
            return;
        };
        let path = path.trim();
        let parts: Vec<&str> = path.split('.').collect();
        if path.is_empty()
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            self.fail(&format!("error: `{path}` is not an input name"));
            return;
        }
        let value = match literal::value(value.trim()) {
            Ok(value) => value,
            Err(message) => {
                self.fail(&message);
                return;
            }
        };
        let mut candidate = self.input.clone();
        insert(&mut candidate, &parts, value.clone());
        if let Err(message) = self.check_input(&candidate) {
            self.fail(&message);
            return;
        }
        self.input = candidate;
        crate::output::outln!("{path} = {}", ordo_engine::to_json_string(&value));
    }

    /// Reads an input as far as it goes: wrong values and unknown fields are errors, missing
    /// fields are not.
    fn check_input(&self, input: &Map<String, Json>) -> Result<(), String> {
        let Some(ruleset) = &self.ruleset else {
            return Ok(());
        };
        ruleset
            .check_partial_input(&Json::Object(input.clone()))
            .map_err(|e| e.render())
    }

    fn unset(&mut self, path: &str) {
        let parts: Vec<&str> = path.split('.').collect();
        if remove(&mut self.input, &parts) {
            crate::output::outln!("{path} unset");
        } else {
            self.fail(&format!("error: `{path}` is not set"));
        }
    }

    /// `:input FILE`: replaces the inputs with a JSON object from a file.
    fn load_input(&mut self, path: &str) {
        if path.is_empty() {
            self.fail("error: write `:input FILE.json`");
            return;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                self.fail(&format!("error: cannot read `{path}`: {e}"));
                return;
            }
        };
        let input = match ordo_engine::parse_json(&text) {
            Ok(Json::Object(map)) => map,
            Ok(_) => {
                self.fail(&format!("error: `{path}` does not hold a JSON object"));
                return;
            }
            Err(error) => {
                self.fail(&error.render());
                return;
            }
        };
        if let Err(message) = self.check_input(&input) {
            self.fail(&message);
            return;
        }
        let count = input.len();
        self.input = input;
        crate::output::outln!(
            "{count} input field{} from {path}",
            if count == 1 { "" } else { "s" }
        );
    }

    /// `:grant CHAIN STEP BY [ROLE]`: records a grant of the step by `BY` with the facts the
    /// step shows now (as a host records what the approver saw), then shows the chain;
    /// `:grant` shows every chain (who granted, what is pending or stale, what was refused and
    /// why); `:grant clear` drops every grant.
    fn grant(&mut self, rest: &str) {
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            [] => self.show_chains(None),
            ["clear"] => {
                self.base.approvals = None;
                crate::output::outln!("no grants");
            }
            [chain, step, by] | [chain, step, by, _] => {
                let role = words.get(3).map(|r| (*r).to_string());
                let result = match self.full_result() {
                    Ok(result) => result,
                    Err(message) => return self.fail(&message),
                };
                let Some(found) = at(at(at(&result, "approvals"), chain), "steps")
                    .as_array()
                    .and_then(|steps| steps.iter().find(|s| at(s, "id") == *step))
                else {
                    return self.fail(&format!(
                        "error: the chain `{chain}` does not require a step `{step}` now                          (`:grant` shows what it requires)"
                    ));
                };
                let facts = at(found, "facts").as_object().cloned().unwrap_or_default();
                let mut grant = ordo_engine::Grant::by(*by, facts);
                grant.role = role;
                self.base
                    .approvals
                    .get_or_insert_with(Default::default)
                    .grant(chain, step, grant);
                self.show_chains(Some(chain));
            }
            _ => {
                self.fail("error: write `:grant CHAIN STEP BY [ROLE]`, `:grant` or `:grant clear`")
            }
        }
    }

    /// The result of evaluating the inputs set so far (which must be complete).
    fn full_result(&self) -> Result<Json, String> {
        let Some(ruleset) = &self.ruleset else {
            return Err("error: the ruleset does not compile; fix it and :reload".into());
        };
        ruleset
            .evaluate(&Json::Object(self.input.clone()), &self.options(false))
            .map_err(|e| e.render())
    }

    /// Prints the status of `only` (or every chain): each required step, who granted it and
    /// the grants that do not count.
    fn show_chains(&mut self, only: Option<&str>) {
        let result = match self.full_result() {
            Ok(result) => result,
            Err(message) => return self.fail(&message),
        };
        let Some(chains) = at(&result, "approvals").as_object() else {
            return;
        };
        if chains.is_empty() {
            crate::output::outln!("the ruleset has no approval chain");
        }
        for (name, chain) in chains {
            if only.is_some_and(|o| o != name) {
                continue;
            }
            let complete = at(chain, "complete").as_bool() == Some(true);
            crate::output::outln!(
                "{name}: {}",
                if complete { "complete" } else { "not complete" }
            );
            for step in at(chain, "steps").as_array().into_iter().flatten() {
                let mut line = format!("  {} {}", plain(at(step, "id")), plain(at(step, "status")));
                let by: Vec<String> = at(step, "granted_by")
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(plain)
                    .collect();
                if let Some(needed) = at(step, "needed").as_u64() {
                    line.push_str(&format!(" ({} of {needed})", by.len()));
                }
                if !by.is_empty() {
                    line.push_str(&format!(" by {}", by.join(", ")));
                }
                crate::output::outln!("{line}");
                for refused in at(step, "refused").as_array().into_iter().flatten() {
                    let who = plain(at(refused, "by"));
                    crate::output::outln!(
                        "    refused {}: {}",
                        if who.is_empty() {
                            "(no approver)".to_string()
                        } else {
                            who
                        },
                        plain(at(refused, "reason"))
                    );
                }
            }
        }
    }

    fn set_as_of(&mut self, text: &str) {
        if text.is_empty() || text == "none" {
            self.base.as_of = None;
            crate::output::outln!("as_of: the ruleset's effective date");
            return;
        }
        match parse_date(text) {
            Ok(date) => {
                self.base.as_of = Some(date);
                crate::output::outln!("as_of = {date}");
            }
            Err(error) => self.fail(&error.render()),
        }
    }

    /// `:why NAME`: the trace of a value (how it was reached, from what), of a constraint, or
    /// the lines of a price block.
    fn why(&mut self, name: &str) {
        if name.is_empty() {
            self.fail("error: write `:why NAME`");
            return;
        }
        let kind = self.kind_of(name);
        if matches!(kind, Some("constraint") | Some("price")) {
            return self.why_from_result(name, kind.unwrap_or_default());
        }
        let Some(adhoc) = self.compile(name) else {
            return;
        };
        let input = Json::Object(self.input.clone());
        match adhoc.evaluate(&input, &self.options(true)) {
            Ok(value) => {
                let entries = value.trace.as_array().cloned().unwrap_or_default();
                if !value.known {
                    crate::output::outln!(
                        "{name} is unknown: set {} first",
                        value.missing.join(", ")
                    );
                    return;
                }
                let mut shown = BTreeSet::new();
                if !explain(name, &entries, 0, &mut shown) {
                    crate::output::outln!("{name} = {} (an input or a constant)", value.text);
                }
            }
            Err(error) => self.fail(&error.render()),
        }
    }

    /// Constraints and price blocks are explained by a complete evaluation.
    fn why_from_result(&mut self, name: &str, kind: &str) {
        let Some(ruleset) = &self.ruleset else {
            return;
        };
        let input = Json::Object(self.input.clone());
        let result = match ruleset.evaluate(&input, &self.options(true)) {
            Ok(result) => result,
            Err(error) => {
                let message = format!(
                    "{}\n  (explaining `{name}` needs a complete input)",
                    error.render()
                );
                self.fail(&message);
                return;
            }
        };
        if kind == "price" {
            let lines = at(at(at(&result, "quotes"), name), "lines")
                .as_array()
                .cloned()
                .unwrap_or_default();
            for line in lines {
                crate::output::outln!(
                    "{} {} = {}: {}",
                    plain(at(&line, "kind")),
                    plain(at(&line, "id")),
                    plain(at(&line, "amount")),
                    plain(at(&line, "explain"))
                );
            }
            crate::output::outln!(
                "total = {}",
                plain(at(at(at(&result, "quotes"), name), "total"))
            );
            return;
        }
        let entries = at(&result, "trace").as_array().cloned().unwrap_or_default();
        let mut shown = BTreeSet::new();
        explain(name, &entries, 0, &mut shown);
        let violations: Vec<Json> = at(&result, "violations")
            .as_array()
            .map(|v| v.iter().filter(|v| at(v, "id") == name).cloned().collect())
            .unwrap_or_default();
        for v in &violations {
            let severity = plain(at(v, "severity"));
            let message = plain(at(v, "message"));
            match at(v, "at").as_str() {
                // A constraint over elements: one violation per failing element.
                Some(element) => {
                    crate::output::outln!("  {element}: {severity} \"{message}\"");
                    self.explain_element(name, element);
                }
                None => crate::output::outln!("  {severity} \"{message}\""),
            }
        }
    }

    /// The failing element of a constraint over elements (`at` is `items[2]`, or `ID[2]` for a
    /// collection the rules compute): the element, and each part of it the condition reads
    /// (`i.model = c10`).
    fn explain_element(&self, constraint: &str, element_at: &str) {
        let Ok(ast) = ordo_dsl::parse(&self.source) else {
            return;
        };
        let Some((var, collection, condition)) = ast.items.iter().find_map(|item| match item {
            Item::Constraint(c) if c.name.name == constraint => c
                .each
                .as_ref()
                .map(|each| (each.var.name.as_str(), &each.collection, &c.condition)),
            _ => None,
        }) else {
            return;
        };
        // The element as an expression in the ruleset's scope: the collection's element at
        // the violation's position. A set received as an array names the position in the
        // array as received: that member, looked up by value.
        let Some(position) = element_at
            .rsplit_once('[')
            .map(|(_, rest)| rest.trim_end_matches(']'))
            .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        else {
            return;
        };
        let collection_text = collection.span.text(&self.source).trim();
        let received = position.parse::<usize>().ok().and_then(|i| {
            let mut value = self.input.get(collection_text.split('.').next()?)?;
            for part in collection_text.split('.').skip(1) {
                value = value.get(part)?;
            }
            value.as_array()?.get(i)?.as_str().map(str::to_string)
        });
        let by_member = received.map(|member| {
            format!("[{var} for {var} in ({collection_text}) if {var} == {member}][0]")
        });
        let by_position = format!("[{var} for {var} in ({collection_text})][{position}]");
        let input = Json::Object(self.input.clone());
        let options = self.options(false);
        let value_of = |expression: &str| {
            let adhoc = Ruleset::compile_expression(&self.source, expression).ok()?;
            let value = adhoc.evaluate(&input, &options).ok()?;
            value.known.then_some(value.text)
        };
        // A set's member by value first; a list's element (texts too) by position.
        let Some((element, shown)) = by_member
            .into_iter()
            .chain([by_position])
            .find_map(|e| value_of(&e).map(|shown| (e, shown)))
        else {
            return;
        };
        crate::output::outln!("    {var} = {shown}");
        for path in paths_from(condition, var) {
            let Some(rest) = path.strip_prefix(var) else {
                continue;
            };
            if let Some(value) = value_of(&format!("{element}{rest}")) {
                crate::output::outln!("    {path} = {value}");
            }
        }
    }

    /// What kind of declaration `name` is, if it names one.
    fn kind_of(&self, name: &str) -> Option<&'static str> {
        let ast = ordo_dsl::parse(&self.source).ok()?;
        ast.items.iter().find_map(|item| match item {
            Item::Constraint(c) if c.name.name == name => Some("constraint"),
            Item::Price(p) if p.name.name == name => Some("price"),
            _ => None,
        })
    }

    /// `:configure`: option availability for the inputs set so far.
    fn configure(&mut self) {
        let Some(ruleset) = &self.ruleset else {
            self.fail("error: the ruleset does not compile; fix it and :reload");
            return;
        };
        let request = ConfigureRequest {
            input: Json::Object(self.input.clone()),
            as_of: self.base.as_of,
            ..ConfigureRequest::default()
        };
        match ruleset.configure(&request) {
            Ok(answer) => crate::output::outln!("{}", ordo_engine::to_json_pretty(&answer)),
            Err(error) => self.fail(&error.render()),
        }
    }

    /// `:reload`: compiles the file again and says what changed.
    fn reload(&mut self) {
        if self.file.is_none() {
            crate::output::outln!("no file to reload");
            return;
        }
        let before = self.ruleset.as_ref().map(|r| r.hash().to_string());
        let old_names = declared_names(&self.source);
        if let Err(message) = self.load() {
            let kept = if self.ruleset.is_some() {
                "\n(the previous version stays loaded)"
            } else {
                ""
            };
            self.fail(&format!("{message}{kept}"));
            return;
        }
        let Some(ruleset) = &self.ruleset else {
            return;
        };
        let after = ruleset.hash().to_string();
        let new_names = declared_names(&self.source);
        if before.as_deref() == Some(after.as_str()) {
            crate::output::outln!(
                "reloaded {} {}: same meaning, same hash ({after})",
                ruleset.name(),
                ruleset.version()
            );
            return;
        }
        crate::output::outln!(
            "reloaded {} {}: hash {} -> {after}",
            ruleset.name(),
            ruleset.version(),
            before.as_deref().unwrap_or("(none)")
        );
        let added: Vec<&str> = new_names
            .difference(&old_names)
            .map(String::as_str)
            .collect();
        let removed: Vec<&str> = old_names
            .difference(&new_names)
            .map(String::as_str)
            .collect();
        if !added.is_empty() {
            crate::output::outln!("  added: {}", added.join(", "));
        }
        if !removed.is_empty() {
            crate::output::outln!("  removed: {}", removed.join(", "));
        }
        if added.is_empty() && removed.is_empty() {
            crate::output::outln!("  the same names; definitions changed");
        }
    }
}

const HELP: &str = "\
Type an expression to evaluate it in the ruleset's scope (`quote.total`, `volume_rate * 2`).
Inputs that are not set take their defaults; a value that needs an unset input is `unknown`.
An open bracket or string continues the input on the next line.

  :set NAME = VALUE   set an input (`:set quantity = 12`, `:set customer.tier = gold`,
                      `:set extras = {heater}`); VALUE is an ordo literal or JSON
  :unset NAME         remove an input
  :input FILE         replace the inputs with a JSON file
  :inputs             show the inputs
  :as_of DATE|none    set the evaluation date
  :why NAME           explain a value, a decision, a constraint or a price block
  :type EXPR          show an expression's type
  :configure          option availability for the inputs set so far
  :grant CHAIN STEP BY [ROLE]
                      grant a step of an approval chain as BY, with its current facts;
                      `:grant` alone shows every chain, `:grant clear` drops the grants
  :now INSTANT|none   set the instant of workflow events and of `now`
                      (`:now 2026-03-02T10:00:00Z`)
  :actor ID:ROLE,ROLE|ROLE|none
                      who acts in the workflow (`:actor ana:sales,finance`, `:actor sales`)
  :state [WORKFLOW.]STATE
                      the workflow state the next commands run in; `:state` alone shows
                      the state, its owner, SLA, next actions and armed timers
  :start [WORKFLOW]   start an instance in the initial state: its owner, SLA, `enter`
                      actions and timers
  :apply TRANSITION   apply a transition in the current state with the actor and inputs:
                      shows the new state, its owner, the actions and the timers armed,
                      and moves to the new state
  :fire TIMER         fire a timer of the current state (`:fire sla STATE` or
                      `:fire sla:STATE` for an SLA); a timer `:apply` armed fires at its
                      due time, any other at `:now`
  :reload             compile the file again and show what changed
  :help               this text
  :quit               leave (Ctrl-D too)";

/// Prints the trace entry of `name`, then those of the values it read; false when `name` has
/// no entry (an input or a constant).
fn explain(name: &str, entries: &[Json], depth: usize, shown: &mut BTreeSet<String>) -> bool {
    let Some(entry) = entries.iter().find(|e| at(e, "id") == name) else {
        return false;
    };
    if !shown.insert(name.to_string()) || depth > 4 {
        return true;
    }
    let indent = "  ".repeat(depth);
    let kind = plain(at(entry, "kind"));
    let value = if kind == "constraint" {
        match at(entry, "holds").as_bool() {
            Some(true) => "holds".to_string(),
            Some(false) => "violated".to_string(),
            None => "unknown".to_string(),
        }
    } else {
        format!("= {}", plain(at(entry, "value")))
    };
    let rows = at(entry, "rows")
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| format!("row {} at line {}", at(r, "row"), at(r, "line")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .map_or(String::new(), |rows| format!(", matched {rows}"));
    crate::output::outln!("{indent}{name} {value}   ({kind}{rows})");
    if let Some(reads) = at(entry, "reads").as_object() {
        for (read, value) in reads {
            if !explain(read, entries, depth + 1, shown) {
                crate::output::outln!("{indent}  {read} = {}", plain(value));
            }
        }
    }
    true
}

/// The field chains over `var` an expression reads (`i.model`, `i.cooling`), in source order.
fn paths_from(e: &ordo_dsl::ast::Expr, var: &str) -> Vec<String> {
    use ordo_engine::lint::path_of;
    fn walk(value: &Json, var: &str, out: &mut Vec<String>) {
        match value {
            Json::Object(map) => {
                if let Some(path) = path_of(value)
                    && path.split('.').next() == Some(var)
                    && path.contains('.')
                {
                    if !out.contains(&path) {
                        out.push(path);
                    }
                    return;
                }
                map.values().for_each(|v| walk(v, var, out));
            }
            Json::Array(items) => items.iter().for_each(|v| walk(v, var, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(tree) = serde_json::to_value(e) {
        walk(&tree, var, &mut out);
    }
    out
}

/// The member `key` of a JSON object (`null` when there is none).
fn at<'a>(value: &'a Json, key: &str) -> &'a Json {
    static NULL: Json = Json::Null;
    value.get(key).unwrap_or(&NULL)
}

/// A JSON value for people: strings without quotes, the rest as compact JSON.
fn plain(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => "none".to_string(),
        other => ordo_engine::to_json_string(other),
    }
}

fn insert(map: &mut Map<String, Json>, path: &[&str], value: Json) {
    match path {
        [] => {}
        [last] => {
            map.insert((*last).to_string(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).to_string())
                .or_insert_with(|| Json::Object(Map::new()));
            if !entry.is_object() {
                *entry = Json::Object(Map::new());
            }
            if let Json::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

fn remove(map: &mut Map<String, Json>, path: &[&str]) -> bool {
    match path {
        [] => false,
        [last] => map.remove(*last).is_some(),
        [first, rest @ ..] => match map.get_mut(*first) {
            Some(Json::Object(inner)) => remove(inner, rest),
            _ => false,
        },
    }
}

/// The names a ruleset declares, as `kind name` (for `:reload`).
fn declared_names(source: &str) -> BTreeSet<String> {
    let Ok(ast) = ordo_dsl::parse(source) else {
        return BTreeSet::new();
    };
    let mut names = BTreeSet::new();
    for item in &ast.items {
        let (kind, name) = match item {
            Item::Enum(d) => ("enum", d.name.name.clone()),
            Item::Input(d) => {
                for f in &d.fields {
                    names.insert(format!("input {}", f.name.name));
                }
                continue;
            }
            Item::Type(d) => ("type", d.name.name.clone()),
            Item::Function(d) => ("fn", d.name.name.clone()),
            Item::Table(d) => ("table", d.name.name.clone()),
            Item::Bands(d) => ("bands", d.name.name.clone()),
            Item::Decision(d) => ("decision", d.name.name.clone()),
            Item::Value(d) if d.output => ("output", d.name.name.clone()),
            Item::Value(d) => ("let", d.name.name.clone()),
            Item::Constraint(d) => ("constraint", d.name.name.clone()),
            Item::Price(d) => ("price", d.name.name.clone()),
            Item::Approval(d) => ("approval", d.name.name.clone()),
            Item::Workflow(d) => ("workflow", d.name.name.clone()),
            Item::Trigger(d) => ("trigger", d.name.name.clone()),
            Item::Calendar(d) => ("calendar", d.name.name.clone()),
            Item::Roles(_) | Item::Test(_) => continue,
        };
        names.insert(format!("{kind} {name}"));
    }
    names
}

/// Everything worth completing in a ruleset: declared names, input paths, enum values,
/// decision outputs (`shipping.zone`) and quote fields (`quote.total`).
fn completion_names(ast: &Ast) -> Vec<String> {
    fn fields(prefix: &str, decls: &[ordo_dsl::ast::FieldDecl], out: &mut Vec<String>) {
        for f in decls {
            let path = format!("{prefix}{}", f.name.name);
            out.push(path.clone());
            let record = match &f.ty.kind {
                TypeExprKind::Record(inner) => Some(inner),
                TypeExprKind::Optional(t) => match &t.kind {
                    TypeExprKind::Record(inner) => Some(inner),
                    _ => None,
                },
                _ => None,
            };
            if let Some(inner) = record {
                fields(&format!("{path}."), inner, out);
            }
        }
    }
    fn subtotals(body: &[PriceStmt], out: &mut Vec<String>) {
        for stmt in body {
            match stmt {
                PriceStmt::Subtotal(s) => out.push(s.id.name.clone()),
                PriceStmt::For(f) => subtotals(&f.body, out),
                PriceStmt::Line(_) => {}
            }
        }
    }
    let mut names = Vec::new();
    for item in &ast.items {
        match item {
            Item::Enum(d) => {
                names.push(d.name.name.clone());
                names.extend(d.values.iter().map(|v| v.name.clone()));
            }
            Item::Input(d) => fields("", &d.fields, &mut names),
            Item::Table(d) => names.push(d.name.name.clone()),
            Item::Bands(d) => names.push(d.name.name.clone()),
            Item::Decision(d) => {
                names.push(d.name.name.clone());
                if d.outputs.len() > 1 {
                    names.extend(
                        d.outputs
                            .iter()
                            .map(|o| format!("{}.{}", d.name.name, o.name)),
                    );
                }
            }
            Item::Value(d) => names.push(d.name.name.clone()),
            Item::Constraint(d) => names.push(d.name.name.clone()),
            Item::Price(d) => {
                let mut parts = vec![
                    "total".to_string(),
                    "lines".to_string(),
                    "currency".to_string(),
                    "subtotals".to_string(),
                ];
                subtotals(&d.body, &mut parts);
                names.push(d.name.name.clone());
                names.extend(parts.iter().map(|p| format!("{}.{p}", d.name.name)));
            }
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names
}
