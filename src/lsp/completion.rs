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
            // The values of the enum the comparison expects come first.
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

/// The enum a comparison expects: `frame == ` or `ship_to.zone != ` with an enum-typed name.
fn expected_enum(names: &Index, prefix: &str) -> Option<usize> {
    let trimmed = prefix.trim_end();
    let operand = trimmed
        .strip_suffix("==")
        .or_else(|| trimmed.strip_suffix("!="))?
        .trim_end();
    let id = resolve_path(names, operand)?;
    let type_name = names.declaration(id)?.type_name.as_ref()?;
    names
        .named(type_name)
        .filter(|&e| names.declaration(e).is_some_and(|d| d.kind == Kind::Enum))
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
