//! The node a parse-tree pair stands for. The fast grammar (`grammar/ordo_fast.pest`) re-states
//! the busiest rules of `grammar/ordo.pest` as `fast_NAME`, producing the node `NAME` would; the
//! tree builder and the depth check read every pair through [`Kind::kind`], so they see one
//! tree whichever grammar produced it.

use std::sync::LazyLock;

use pest::iterators::Pair;

use super::Rule;

/// A parse-tree pair's rule, with a `fast_NAME` rule read as `NAME`.
pub(crate) trait Kind {
    fn kind(&self) -> Rule;
}

impl Kind for Pair<'_, Rule> {
    #[inline]
    fn kind(&self) -> Rule {
        canonical(self.as_rule())
    }
}

/// [`node_of`] for every rule, by the rule's index: the builder asks for every pair it reads.
/// (`None` for the index of a rule `Rule::all_rules` leaves out.)
static CANONICAL: LazyLock<Vec<Option<Rule>>> = LazyLock::new(|| {
    let rules = Rule::all_rules();
    let len = rules
        .iter()
        .map(|rule| *rule as usize + 1)
        .max()
        .unwrap_or(0);
    let mut table = vec![None; len];
    for rule in rules {
        if let Some(slot) = table.get_mut(*rule as usize) {
            *slot = Some(node_of(*rule));
        }
    }
    table
});

/// `NAME` for a `fast_NAME` rule that produces nodes; every other rule is itself.
#[inline]
pub(crate) fn canonical(rule: Rule) -> Rule {
    match CANONICAL.get(rule as usize) {
        Some(Some(node)) => *node,
        _ => node_of(rule),
    }
}

/// [`canonical`], by name. A unit test checks this against the rules' names, so a rule added to
/// the fast grammar cannot be missed.
fn node_of(rule: Rule) -> Rule {
    use Rule::*;
    match rule {
        fast_file => file,
        fast_fn_decl => fn_decl,
        fast_input_decl => input_decl,
        fast_type_decl => type_decl,
        fast_field_block => field_block,
        fast_field_decl => field_decl,
        fast_field_message => field_message,
        fast_field_fallback => field_fallback,
        fast_refine_in => refine_in,
        fast_refine_compare => refine_compare,
        fast_refine_matching => refine_matching,
        fast_refine_len => refine_len,
        fast_type_expr => type_expr,
        fast_list_type => list_type,
        fast_set_type => set_type,
        fast_record_type => record_type,
        fast_named_type => named_type,
        fast_data_source => data_source,
        fast_key_types => key_types,
        fast_table_decl => table_decl,
        fast_table_row => table_row,
        fast_table_key => table_key,
        fast_key_tuple => key_tuple,
        fast_bands_decl => bands_decl,
        fast_band_row => band_row,
        fast_decision_decl => decision_decl,
        fast_params => params,
        fast_hit_clause => hit_clause,
        fast_decision_header => decision_header,
        fast_decision_row => decision_row,
        fast_unary_test => unary_test,
        fast_test_any => test_any,
        fast_test_none => test_none,
        fast_test_compare => test_compare,
        fast_test_range => test_range,
        fast_test_values => test_values,
        fast_value_decl => value_decl,
        fast_constraint_decl => constraint_decl,
        fast_constraint_for => constraint_for,
        fast_price_decl => price_decl,
        fast_price_body => price_body,
        fast_price_line => price_line,
        fast_qty_at => qty_at,
        fast_percent_of => percent_of,
        fast_amount => amount,
        fast_price_for => price_for,
        fast_test_decl => test_decl,
        fast_test_given => test_given,
        fast_test_expect => test_expect,
        fast_expr => expr,
        fast_field_access => field_access,
        fast_index => index,
        fast_lookup_at => lookup_at,
        fast_at_operand => at_operand,
        fast_in_range => in_range,
        fast_operand => operand,
        fast_name => name,
        fast_ident => ident,
        fast_string => string,
        fast_interpolation => interpolation,
        fast_text => text,
        fast_number => number,
        fast_if_expr => if_expr,
        fast_match_expr => match_expr,
        fast_match_arm => match_arm,
        fast_call => call,
        fast_quantifier => quantifier,
        fast_items => items,
        fast_for_clause => for_clause,
        fast_list => list,
        fast_record => record,
        fast_record_field => record_field,
        fast_set => set,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `fast_NAME` rule of a node is read as `NAME`; the others are lookaheads or silent,
    /// and never appear in a tree (pest lists silent rules in the enum too).
    #[test]
    fn every_fast_rule_is_read_as_its_counterpart() {
        let name = |rule: &Rule| format!("{rule:?}");
        let lookaheads = [
            "fast_range_ahead",
            "fast_ws",
            "fast_reserved",
            "fast_item",
            "fast_key_part",
            "fast_refinement",
            "fast_type_base",
            "fast_price_stmt",
            "fast_line_amount",
            "fast_test_clause",
            "fast_prefix",
            "fast_postfix",
            "fast_infix",
            "fast_primary",
            "fast_cell",
        ];
        for rule in Rule::all_rules() {
            // The table by index says what the match by name says.
            assert_eq!(canonical(*rule), node_of(*rule), "{rule:?}");
            let Some(base) = name(rule).strip_prefix("fast_").map(str::to_string) else {
                assert_eq!(canonical(*rule), *rule, "{rule:?}");
                continue;
            };
            match Rule::all_rules().iter().find(|other| name(other) == base) {
                Some(counterpart) if !lookaheads.contains(&name(rule).as_str()) => {
                    assert_eq!(canonical(*rule), *counterpart, "{rule:?}")
                }
                _ => assert_eq!(canonical(*rule), *rule, "{rule:?}"),
            }
        }
    }
}
