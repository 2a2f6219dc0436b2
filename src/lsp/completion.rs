//! Completion: after `.` the members of the name before it (fields, enum values, decision
//! outputs, approval chains); elsewhere the names in scope with their types, enum values,
//! keywords and built-in functions with their signatures.

use lsp_types::{CompletionItem, CompletionItemKind};

use super::document::View;
use super::index::{Declaration, Index, Kind};
use super::navigation::signature;

/// Built-in functions and how they are called (docs/language.md).
const BUILTINS: &[(&str, &str)] = &[
    ("round", "round(x, places[, mode]) -> Decimal"),
    ("floor", "floor(x) -> Int"),
    ("ceil", "ceil(x) -> Int"),
    ("abs", "abs(x) -> number"),
    ("min", "min(a, b, ...) or min(e for x in xs) -> number?"),
    ("max", "max(a, b, ...) or max(e for x in xs) -> number?"),
    ("clamp", "clamp(x, lo, hi) -> number"),
    ("sum", "sum(e for x in xs [if cond]) or sum(list) -> number"),
    (
        "count",
        "count(x for x in xs [if cond]) or count(set) -> Int",
    ),
    ("any", "any(x in xs: cond) -> Bool"),
    ("all", "all(x in xs: cond) -> Bool"),
    ("days_between", "days_between(d1: Date, d2: Date) -> Int"),
    ("add_days", "add_days(d: Date, n: Int) -> Date"),
    ("year", "year(d: Date) -> Int"),
    ("month", "month(d: Date) -> Int"),
    ("day", "day(d: Date) -> Int"),
    ("weekday", "weekday(d: Date) -> Int"),
    ("lower", "lower(t: Text) -> Text"),
    ("upper", "upper(t: Text) -> Text"),
    ("len", "len(t: Text | List | Set) -> Int"),
    ("starts_with", "starts_with(t: Text, prefix: Text) -> Bool"),
    ("ends_with", "ends_with(t: Text, suffix: Text) -> Bool"),
    ("contains", "contains(t: Text, part: Text) -> Bool"),
    ("is_some", "is_some(x: T?) -> Bool"),
    ("first", "first(xs: List<T>) -> T?"),
    ("last", "last(xs: List<T>) -> T?"),
    ("distinct", "distinct(xs: List<T>) -> List<T>"),
    ("sort", "sort(xs: List<T>) -> List<T>"),
    ("reverse", "reverse(xs: List<T>) -> List<T>"),
    (
        "hours_between",
        "hours_between(a: DateTime, b: DateTime) -> Int",
    ),
    (
        "minutes_between",
        "minutes_between(a: DateTime, b: DateTime) -> Int",
    ),
    ("date", "date(t: DateTime[, zone: Text]) -> Date"),
    (
        "datetime",
        "datetime(d: Date, time: Text, zone: Text) -> DateTime",
    ),
    (
        "add_business_days",
        "add_business_days(d: Date, n: Int, calendar) -> Date",
    ),
    (
        "business_days_between",
        "business_days_between(d1: Date, d2: Date, calendar) -> Int",
    ),
    (
        "is_business_day",
        "is_business_day(d: Date, calendar) -> Bool",
    ),
    ("volume", "volume(q, bands) -> Decimal"),
    ("graduated", "graduated(q, bands) -> Decimal"),
    ("block", "block(q, bands) -> Decimal"),
];

/// The completions at `offset`.
pub fn complete(view: &View, offset: usize) -> Vec<CompletionItem> {
    let before = view.text.get(..offset).unwrap_or("");
    let word_start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let Some(names) = view.names else {
        return keywords_and_builtins();
    };
    if let Some(path) = before.get(..word_start).and_then(|b| b.strip_suffix('.')) {
        return members(view, names, path);
    }
    let prefix = before.get(..word_start).unwrap_or("");
    let mut items: Vec<CompletionItem> = expected_enum(names, prefix)
        .map(|id| names.members(id))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| names.declaration(m))
        .map(|d| CompletionItem {
            // The values of the enum expected here come first.
            sort_text: Some(format!("0{}", d.name)),
            preselect: Some(true),
            ..item(view, d)
        })
        .collect();
    items.extend(
        names
            .locals_at(offset)
            .chain(names.top_level())
            .filter(|(_, d)| !matches!(d.kind, Kind::Test | Kind::Constraint | Kind::Trigger))
            .map(|(_, d)| item(view, d)),
    );
    items.extend(
        names
            .declarations
            .iter()
            .filter(|d| d.kind == Kind::EnumValue)
            .map(|d| item(view, d)),
    );
    items.extend(keywords_and_builtins());
    items
}

/// The enum expected where the text before the cursor ends: a comparison (`frame == `,
/// `ship_to.zone != `), an element of a list after `in` (`size in [m, `) or a pattern of a
/// `match` (`match zone { domestic => 1, `), with an enum-typed name as the operand.
fn expected_enum(names: &Index, prefix: &str) -> Option<usize> {
    let trimmed = prefix.trim_end();
    let operand = compared(trimmed)
        .or_else(|| listed(trimmed))
        .or_else(|| matched(trimmed))?;
    let id = resolve_path(names, operand)?;
    let type_name = names.declaration(id)?.type_name.as_ref()?;
    names
        .named(type_name)
        .filter(|&e| names.declaration(e).is_some_and(|d| d.kind == Kind::Enum))
}

/// `OPERAND ==` or `OPERAND !=`: the operand.
fn compared(text: &str) -> Option<&str> {
    text.strip_suffix("==")
        .or_else(|| text.strip_suffix("!="))
        .map(str::trim_end)
}

/// `OPERAND in [a, b, ` (at the start of an element of the open list): the operand.
fn listed(text: &str) -> Option<&str> {
    if !(text.ends_with('[') || text.ends_with(',')) {
        return None;
    }
    let open = unclosed(text, '[', ']')?;
    if inside_call(text.get(open + 1..)?) {
        return None;
    }
    let before = text.get(..open)?.trim_end().strip_suffix("in")?;
    // `in` as a word, not the end of a name such as `pin`.
    if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some(before.trim_end())
}

/// `match OPERAND { a => x, ` (at the start of a pattern of the open match): the operand.
fn matched(text: &str) -> Option<&str> {
    if !(text.ends_with('{') || text.ends_with(',')) {
        return None;
    }
    let open = unclosed(text, '{', '}')?;
    let inner = text.get(open + 1..)?;
    if inside_call(inner) || unclosed(inner, '[', ']').is_some() {
        return None;
    }
    let head = text.get(..open)?.trim_end();
    let keyword = head.rfind("match")?;
    let operand = head.get(keyword + "match".len()..)?;
    let before_keyword = head.get(..keyword)?;
    let is_word = !before_keyword.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && operand.starts_with(char::is_whitespace);
    is_word.then(|| operand.trim())
}

/// Whether `text` leaves a call's parentheses open (the cursor is among its arguments).
fn inside_call(text: &str) -> bool {
    unclosed(text, '(', ')').is_some()
}

/// The byte position of the last `open` of `text` that no `close` after it closes.
fn unclosed(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices().rev() {
        if c == close {
            depth += 1;
        } else if c == open {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

/// The declaration a dotted path ending `text` names (its first name in scope at its end).
fn resolve_path(names: &Index, text: &str) -> Option<usize> {
    let start = text
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |i| i + 1);
    let mut segments = text.get(start..)?.split('.');
    let first = segments.next()?;
    let mut owner = names
        .locals_at(text.len())
        .find(|(_, d)| d.name == first)
        .map(|(id, _)| id)
        .or_else(|| names.named(first));
    for segment in segments {
        owner = owner.and_then(|id| {
            names
                .members(id)
                .into_iter()
                .find(|&m| names.declaration(m).is_some_and(|d| d.name == segment))
        });
    }
    owner
}

/// The members after `path.`: the last name of a dotted path, resolved from its first.
fn members(view: &View, names: &Index, path: &str) -> Vec<CompletionItem> {
    let start = path
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map_or(0, |i| i + 1);
    let mut segments = path.get(start..).unwrap_or("").split('.');
    let Some(first) = segments.next() else {
        return Vec::new();
    };
    if first == "approvals" && names.named("approvals").is_none() {
        return names
            .top_level()
            .filter(|(_, d)| d.kind == Kind::Chain)
            .map(|(_, d)| item(view, d))
            .collect();
    }
    let owner = resolve_path(names, path);
    owner
        .map(|id| names.members(id))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| names.declaration(m))
        .map(|d| item(view, d))
        .collect()
}

fn item(view: &View, declaration: &Declaration) -> CompletionItem {
    CompletionItem {
        label: declaration.name.clone(),
        kind: Some(match declaration.kind {
            Kind::Input | Kind::Field => CompletionItemKind::FIELD,
            Kind::Value | Kind::Output | Kind::Parameter | Kind::Local | Kind::Price => {
                CompletionItemKind::VARIABLE
            }
            Kind::Decision | Kind::Function => CompletionItemKind::FUNCTION,
            Kind::Enum => CompletionItemKind::ENUM,
            Kind::EnumValue => CompletionItemKind::ENUM_MEMBER,
            Kind::Type | Kind::Table | Kind::Bands | Kind::Calendar => CompletionItemKind::STRUCT,
            _ => CompletionItemKind::REFERENCE,
        }),
        detail: Some(signature(view, declaration)),
        ..CompletionItem::default()
    }
}

fn keywords_and_builtins() -> Vec<CompletionItem> {
    let keywords = ordo_dsl::KEYWORDS.iter().map(|k| CompletionItem {
        label: (*k).to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..CompletionItem::default()
    });
    let builtins = BUILTINS.iter().map(|(name, signature)| CompletionItem {
        label: (*name).to_string(),
        kind: Some(CompletionItemKind::FUNCTION),
        detail: Some((*signature).to_string()),
        ..CompletionItem::default()
    });
    keywords.chain(builtins).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operand_an_enum_value_is_expected_for() {
        assert_eq!(compared("x = frame =="), Some("x = frame"));
        assert_eq!(
            listed("frame == cargo implies size in ["),
            Some("frame == cargo implies size")
        );
        assert_eq!(listed("frame in [city,"), Some("frame"));
        assert_eq!(listed("frame in [f(a),"), Some("frame"));
        assert_eq!(listed("pin ["), None);
        assert_eq!(listed("frame in [city]"), None);
        assert_eq!(listed("frame in [f(a,"), None);
        assert_eq!(matched("= match e {"), Some("e"));
        assert_eq!(
            matched("= match p.drive { gear_motor => 1,"),
            Some("p.drive")
        );
        assert_eq!(matched("= rematch e {"), None);
        assert_eq!(matched("= match e { a => f(x,"), None);
        assert_eq!(unclosed("a [b [c] ", '[', ']'), Some(2));
    }

    #[test]
    fn every_builtin_is_known_to_the_checker() {
        for (name, _) in BUILTINS {
            let source =
                format!("ruleset t version \"1.0.0\"\ninput {{ x: Int }}\noutput y = {name}(x)\n");
            if let Err(diagnostics) = ordo_engine::Ruleset::compile(&source) {
                let unknown = diagnostics
                    .iter()
                    .any(|d| d.message.contains(&format!("unknown function `{name}`")));
                assert!(!unknown, "{name}: {diagnostics}");
            }
        }
    }
}
