//! Declarations: the header and every top-level item, with their doc comments.

use super::cursor::{Cursor, Node, malformed};
use super::kind::Kind;
use super::{Builder, Rule, span_of};
use crate::ast::*;
use crate::diagnostic::{Diagnostic, DiagnosticKind};

impl Builder<'_> {
    /// The `file` node.
    pub(crate) fn ruleset(
        &self,
        file: Node<'_>,
        comments: Vec<Comment>,
    ) -> Result<Ruleset, Diagnostic> {
        let span = span_of(&file);
        let mut cursor = Cursor::new(file);
        let header = cursor.expect(Rule::header)?;
        let doc = self.doc_before(span_of(&header).start);
        let mut header = Cursor::new(header);
        let name = self.ident(header.expect(Rule::ident)?);
        let version = self.plain_string(header.expect(Rule::plain_string)?);
        let effective = header.take(Rule::date).map(|d| self.date(d));
        let mut items = Vec::new();
        for node in cursor.rest() {
            if node.kind() != Rule::EOI {
                items.push(self.item(node)?);
            }
        }
        Ok(Ruleset {
            doc,
            name,
            version,
            effective,
            items,
            comments,
            span,
        })
    }

    fn item(&self, node: Node<'_>) -> Result<Item, Diagnostic> {
        let span = span_of(&node);
        let doc = self.doc_before(span.start);
        let rule = node.kind();
        let is_output = node.as_str().starts_with("output");
        let mut c = Cursor::new(node);
        Ok(match rule {
            Rule::enum_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let values = c.rest().map(|v| self.ident(v)).collect();
                Item::Enum(EnumDecl {
                    doc,
                    name,
                    values,
                    span,
                })
            }
            Rule::roles_decl => Item::Roles(RolesDecl {
                doc,
                roles: c.rest().map(|r| self.ident(r)).collect(),
                span,
            }),
            Rule::type_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let ty = self.type_expr(c.expect(Rule::type_expr)?)?;
                Item::Type(TypeDecl {
                    doc,
                    name,
                    ty,
                    span,
                })
            }
            Rule::fn_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let params = self.params(c.expect(Rule::params)?)?;
                let result = match c.take(Rule::type_expr) {
                    Some(ty) => Some(self.type_expr(ty)?),
                    None => None,
                };
                let body = self.expr(c.expect(Rule::expr)?)?;
                Item::Function(FnDecl {
                    doc,
                    name,
                    params,
                    result,
                    body,
                    span,
                })
            }
            Rule::input_decl => Item::Input(InputDecl {
                doc,
                fields: self.fields(c.expect(Rule::field_block)?)?,
                span,
            }),
            Rule::table_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let key_type = match c.take(Rule::key_types) {
                    Some(tuple) => {
                        let span = span_of(&tuple);
                        let parts = Cursor::new(tuple)
                            .rest()
                            .map(|t| self.type_expr(t))
                            .collect::<Result<_, _>>()?;
                        TypeExpr {
                            kind: TypeExprKind::Tuple(parts),
                            span,
                        }
                    }
                    None => self.type_expr(c.expect(Rule::type_expr)?)?,
                };
                let value_type = self.type_expr(c.expect(Rule::type_expr)?)?;
                let effective = c.take(Rule::date).map(|d| self.date(d));
                let from = match c.take(Rule::data_source) {
                    Some(source) => {
                        let path =
                            self.plain_string(Cursor::new(source).expect(Rule::plain_string)?);
                        Some(DataSource {
                            path: path.value,
                            span: path.span,
                        })
                    }
                    None => None,
                };
                let rows = c
                    .rest()
                    .map(|row| self.table_row(row))
                    .collect::<Result<_, _>>()?;
                Item::Table(TableDecl {
                    doc,
                    name,
                    key_type,
                    value_type,
                    effective,
                    rows,
                    from,
                    span,
                })
            }
            Rule::bands_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let rows = c
                    .rest()
                    .map(|row| self.band_row(row))
                    .collect::<Result<_, _>>()?;
                Item::Bands(BandsDecl {
                    doc,
                    name,
                    rows,
                    span,
                })
            }
            Rule::decision_decl => Item::Decision(self.decision(c, doc, span)?),
            Rule::value_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let ty = match c.take(Rule::type_expr) {
                    Some(ty) => Some(self.type_expr(ty)?),
                    None => None,
                };
                let value = self.expr(c.expect(Rule::expr)?)?;
                Item::Value(ValueDecl {
                    doc,
                    output: is_output,
                    name,
                    ty,
                    value,
                    span,
                })
            }
            Rule::constraint_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let each = match c.take(Rule::constraint_for) {
                    Some(each) => {
                        let mut each = Cursor::new(each);
                        let var = self.ident(each.expect(Rule::ident)?);
                        let collection = self.expr(each.expect(Rule::expr)?)?;
                        Some(ForEach { var, collection })
                    }
                    None => None,
                };
                let condition = self.expr(c.expect(Rule::expr)?)?;
                let severity_node = c.expect(Rule::severity)?;
                let severity_span = span_of(&severity_node);
                let severity = match severity_node.as_str() {
                    "warning" => Severity::Warning,
                    "review" => Severity::Review,
                    _ => Severity::Error,
                };
                let message = self.expr(c.expect(Rule::expr)?)?;
                Item::Constraint(ConstraintDecl {
                    doc,
                    name,
                    each,
                    condition,
                    severity,
                    severity_span,
                    message,
                    span,
                })
            }
            Rule::price_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let currency = self.expr(c.expect(Rule::expr)?)?;
                let rounding = match c.take(Rule::rounding_clause) {
                    Some(clause) => Some(self.rounding(clause)?),
                    None => None,
                };
                let body = self.price_body(c.expect(Rule::price_body)?)?;
                Item::Price(PriceDecl {
                    doc,
                    name,
                    currency,
                    rounding,
                    body,
                    span,
                })
            }
            Rule::approval_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let requested_by = match c.take(Rule::requested_by) {
                    Some(node) => Some(self.expr(Cursor::new(node).expect(Rule::expr)?)?),
                    None => None,
                };
                let items = c
                    .rest()
                    .map(|node| {
                        if node.kind() == Rule::parallel_group {
                            let span = span_of(&node);
                            let steps = Cursor::new(node)
                                .rest()
                                .map(|s| self.approval_step(s))
                                .collect::<Result<_, _>>()?;
                            Ok(ApprovalItem::Parallel { steps, span })
                        } else {
                            self.approval_step(node).map(ApprovalItem::Step)
                        }
                    })
                    .collect::<Result<_, _>>()?;
                Item::Approval(ApprovalDecl {
                    doc,
                    name,
                    requested_by,
                    items,
                    span,
                })
            }
            Rule::workflow_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let mut states = Vec::new();
                let mut transitions = Vec::new();
                for node in c.rest() {
                    if node.kind() == Rule::state_decl {
                        states.push(self.state(node)?);
                    } else {
                        transitions.push(self.transition(node)?);
                    }
                }
                Item::Workflow(WorkflowDecl {
                    doc,
                    name,
                    states,
                    transitions,
                    span,
                })
            }
            Rule::trigger_decl => Item::Trigger(self.trigger(c, doc, span)?),
            Rule::test_decl => Item::Test(self.test(c, doc, span)?),
            Rule::calendar_decl => {
                let name = self.ident(c.expect(Rule::ident)?);
                let mut weekend = Vec::new();
                let mut holidays = Vec::new();
                for clause in c.rest() {
                    if clause.kind() == Rule::calendar_weekend {
                        let days = Cursor::new(clause).expect(Rule::ident_list)?;
                        weekend.extend(self.ident_list(days));
                    } else {
                        holidays.extend(Cursor::new(clause).rest().map(|d| self.date(d)));
                    }
                }
                Item::Calendar(CalendarDecl {
                    doc,
                    name,
                    weekend,
                    holidays,
                    span,
                })
            }
            other => {
                return Err(malformed(
                    span,
                    &format!("has {other:?} where a declaration was expected"),
                ));
            }
        })
    }

    fn fields(&self, block: Node<'_>) -> Result<Vec<FieldDecl>, Diagnostic> {
        Cursor::new(block)
            .rest()
            .map(|field| {
                let span = span_of(&field);
                let doc = self.doc_before(span.start);
                let mut c = Cursor::new(field);
                let name = self.ident(c.expect(Rule::ident)?);
                let ty = self.type_expr(c.expect(Rule::type_expr)?)?;
                let mut refinements = Vec::new();
                while let Some(rule) = c.peek_rule() {
                    if !matches!(
                        rule,
                        Rule::refine_in | Rule::refine_matching | Rule::refine_len
                    ) {
                        break;
                    }
                    refinements.push(self.refinement(c.next()?)?);
                }
                let message = match c.take(Rule::field_message) {
                    Some(m) => Some(self.plain_string(Cursor::new(m).expect(Rule::plain_string)?)),
                    None => None,
                };
                let fallback = match c.take(Rule::field_fallback) {
                    Some(f) => Some(self.expr(Cursor::new(f).expect(Rule::expr)?)?),
                    None => None,
                };
                let default = match c.take(Rule::expr) {
                    Some(e) => Some(self.expr(e)?),
                    None => None,
                };
                Ok(FieldDecl {
                    doc,
                    name,
                    ty,
                    refinements,
                    message,
                    fallback,
                    default,
                    span,
                })
            })
            .collect()
    }

    /// One refinement of an input field: `in ...`, `matching "..."`, `len ...`.
    fn refinement(&self, node: Node<'_>) -> Result<Refinement, Diagnostic> {
        let span = span_of(&node);
        let rule = node.kind();
        let mut c = Cursor::new(node);
        let range = |c: &mut Cursor<'_>| -> Result<(Expr, Option<Expr>, bool), Diagnostic> {
            let lo = self.operand(c.expect(Rule::operand)?)?;
            let half_open = c.expect(Rule::range_op)?.as_str() == "..<";
            let hi = match c.take(Rule::operand) {
                Some(hi) => Some(self.operand(hi)?),
                None => None,
            };
            if half_open && hi.is_none() {
                return Err(Diagnostic::new(
                    DiagnosticKind::Syntax,
                    span,
                    "an open range is written `lo..`, not `lo..<`",
                ));
            }
            Ok((lo, hi, half_open))
        };
        let kind = match rule {
            Rule::refine_matching => {
                let pattern = c.expect(Rule::raw_string)?;
                let text = Cursor::new(pattern).expect(Rule::raw_text)?;
                RefinementKind::Matching(StringLit {
                    value: text.as_str().replace("\\\"", "\""),
                    span: span_of(&text),
                })
            }
            Rule::refine_len => {
                let (lo, hi, half_open) = range(&mut c)?;
                RefinementKind::Len { lo, hi, half_open }
            }
            _ => match c.take(Rule::refine_compare) {
                Some(compare) => {
                    let op = match compare.as_str().get(..2) {
                        Some(">=") => CompareOp::Ge,
                        Some("<=") => CompareOp::Le,
                        _ if compare.as_str().starts_with('>') => CompareOp::Gt,
                        _ => CompareOp::Lt,
                    };
                    let bound = self.operand(Cursor::new(compare).expect(Rule::operand)?)?;
                    RefinementKind::Compare { op, bound }
                }
                None => {
                    let (lo, hi, half_open) = range(&mut c)?;
                    RefinementKind::Range { lo, hi, half_open }
                }
            },
        };
        Ok(Refinement { kind, span })
    }

    /// `(p: T, ...)` of a function or a decision.
    fn params(&self, node: Node<'_>) -> Result<Vec<Param>, Diagnostic> {
        Cursor::new(node)
            .rest()
            .map(|param| {
                let span = span_of(&param);
                let mut c = Cursor::new(param);
                let name = self.ident(c.expect(Rule::ident)?);
                let ty = self.type_expr(c.expect(Rule::type_expr)?)?;
                Ok(Param { name, ty, span })
            })
            .collect()
    }

    fn type_expr(&self, node: Node<'_>) -> Result<TypeExpr, Diagnostic> {
        let span = span_of(&node);
        let mut c = Cursor::new(node);
        let base = c.next()?;
        let base_span = span_of(&base);
        let base_rule = base.kind();
        let kind = match base_rule {
            Rule::named_type => {
                TypeExprKind::Named(self.ident(Cursor::new(base).expect(Rule::ident)?))
            }
            Rule::list_type => TypeExprKind::List(Box::new(
                self.type_expr(Cursor::new(base).expect(Rule::type_expr)?)?,
            )),
            Rule::set_type => TypeExprKind::Set(Box::new(
                self.type_expr(Cursor::new(base).expect(Rule::type_expr)?)?,
            )),
            _ => TypeExprKind::Record(self.fields(Cursor::new(base).expect(Rule::field_block)?)?),
        };
        if c.take(Rule::optional_mark).is_some() {
            let inner = TypeExpr {
                kind,
                span: base_span,
            };
            return Ok(TypeExpr {
                kind: TypeExprKind::Optional(Box::new(inner)),
                span,
            });
        }
        Ok(TypeExpr { kind, span })
    }

    fn table_row(&self, row: Node<'_>) -> Result<TableRow, Diagnostic> {
        let span = span_of(&row);
        let mut c = Cursor::new(row);
        let key_node = c.expect(Rule::table_key)?;
        let mut keys = Cursor::new(key_node);
        let key = match (keys.take(Rule::wildcard), keys.peek_rule()) {
            (Some(w), _) => TableKey::Wildcard(span_of(&w)),
            (None, Some(Rule::key_tuple)) => TableKey::Tuples(
                keys.rest()
                    .map(|tuple| {
                        Cursor::new(tuple)
                            .rest()
                            .map(|part| match part.kind() {
                                Rule::wildcard => Ok(None),
                                _ => self.expr(part).map(Some),
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .collect::<Result<_, _>>()?,
            ),
            (None, _) => TableKey::Values(
                keys.rest()
                    .map(|k| self.expr(k))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let value = self.expr(c.expect(Rule::expr)?)?;
        Ok(TableRow { key, value, span })
    }

    fn band_row(&self, row: Node<'_>) -> Result<BandRow, Diagnostic> {
        let span = span_of(&row);
        let mut c = Cursor::new(row);
        let lo = self.operand(c.expect(Rule::operand)?)?;
        let half_open = c.expect(Rule::range_op)?.as_str() == "..<";
        let hi = match c.take(Rule::operand) {
            Some(hi) => Some(self.operand(hi)?),
            None => None,
        };
        if half_open && hi.is_none() {
            return Err(Diagnostic::new(
                DiagnosticKind::Syntax,
                span,
                "an open-ended band is written `lo..`, not `lo..<`",
            ));
        }
        let value = self.expr(c.expect(Rule::expr)?)?;
        Ok(BandRow {
            lo,
            hi,
            half_open,
            value,
            span,
        })
    }

    fn decision(
        &self,
        mut c: Cursor<'_>,
        doc: Vec<String>,
        span: crate::Span,
    ) -> Result<DecisionDecl, Diagnostic> {
        let name = self.ident(c.expect(Rule::ident)?);
        let params = match c.take(Rule::params) {
            Some(params) => self.params(params)?,
            None => Vec::new(),
        };
        let (hit, hit_span) = match c.take(Rule::hit_clause) {
            Some(clause) => {
                let policy = Cursor::new(clause).expect(Rule::hit_policy)?;
                let words: Vec<&str> = policy.as_str().split_whitespace().collect();
                let hit = match words.as_slice() {
                    ["first"] => HitPolicy::First,
                    ["any"] => HitPolicy::Any,
                    ["collect"] => HitPolicy::Collect,
                    ["collect", "sum"] => HitPolicy::CollectSum,
                    ["collect", "min"] => HitPolicy::CollectMin,
                    ["collect", "max"] => HitPolicy::CollectMax,
                    ["collect", "count"] => HitPolicy::CollectCount,
                    _ => HitPolicy::Unique,
                };
                (hit, Some(span_of(&policy)))
            }
            None => (HitPolicy::Unique, None),
        };
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for cell in Cursor::new(c.expect(Rule::decision_header)?).rest() {
            if cell.kind() == Rule::ident {
                outputs.push(self.ident(cell));
            } else {
                inputs.push(self.expr(cell)?);
            }
        }
        let rows = c
            .rest()
            .map(|row| self.decision_row(row))
            .collect::<Result<_, _>>()?;
        Ok(DecisionDecl {
            doc,
            name,
            params,
            hit,
            hit_span,
            inputs,
            outputs,
            rows,
            span,
        })
    }

    fn decision_row(&self, row: Node<'_>) -> Result<DecisionRow, Diagnostic> {
        let span = span_of(&row);
        let mut tests = Vec::new();
        let mut outputs = Vec::new();
        for cell in Cursor::new(row).rest() {
            if cell.kind() == Rule::unary_test {
                tests.push(self.unary_test(cell)?);
            } else {
                outputs.push(self.expr(cell)?);
            }
        }
        Ok(DecisionRow {
            tests,
            outputs,
            span,
        })
    }

    fn unary_test(&self, node: Node<'_>) -> Result<UnaryTest, Diagnostic> {
        let span = span_of(&node);
        let test = Cursor::new(node).next()?;
        let rule = test.kind();
        // The cells the fast grammar reads as one node (`super::cells`).
        if super::cells::is_cell_leaf(rule) {
            let kind = UnaryTestKind::Values(vec![self.primary(test)?]);
            return Ok(UnaryTest { kind, span });
        }
        if let Some(kind) = self.cell_test(&test) {
            return Ok(UnaryTest { kind, span });
        }
        let mut c = Cursor::new(test);
        let kind = match rule {
            Rule::test_any => UnaryTestKind::Any,
            Rule::test_none => UnaryTestKind::None,
            Rule::test_compare => {
                let text = c.expect(Rule::compare_op)?.as_str();
                let op = CompareOp::ALL
                    .into_iter()
                    .find(|op| op.as_str() == text)
                    .unwrap_or(CompareOp::Ge);
                UnaryTestKind::Compare(op, self.expr(c.expect(Rule::expr)?)?)
            }
            Rule::test_range => {
                let lo = self.operand(c.expect(Rule::operand)?)?;
                let half_open = c.expect(Rule::range_op)?.as_str() == "..<";
                let hi = self.operand(c.expect(Rule::operand)?)?;
                UnaryTestKind::Range { lo, hi, half_open }
            }
            _ => UnaryTestKind::Values(c.rest().map(|e| self.expr(e)).collect::<Result<_, _>>()?),
        };
        Ok(UnaryTest { kind, span })
    }

    fn rounding(&self, clause: Node<'_>) -> Result<RoundingSpec, Diagnostic> {
        let mode = Cursor::new(clause).expect(Rule::ident)?;
        let span = span_of(&mode);
        let name = mode.as_str();
        match RoundingMode::from_name(name) {
            Some(mode) => Ok(RoundingSpec { mode, span }),
            None => {
                self.report(
                    Diagnostic::new(
                        DiagnosticKind::Syntax,
                        span,
                        format!("unknown rounding mode `{name}`"),
                    )
                    .with_optional_hint(crate::diagnostic::did_you_mean(name, RoundingMode::NAMES))
                    .with_label(span, format!("one of {}", RoundingMode::NAMES.join(", "))),
                );
                Ok(RoundingSpec {
                    mode: RoundingMode::HalfUp,
                    span,
                })
            }
        }
    }

    fn price_body(&self, body: Node<'_>) -> Result<Vec<PriceStmt>, Diagnostic> {
        Cursor::new(body)
            .rest()
            .map(|stmt| self.price_stmt(stmt))
            .collect()
    }

    fn price_stmt(&self, node: Node<'_>) -> Result<PriceStmt, Diagnostic> {
        let span = span_of(&node);
        let rule = node.kind();
        let mut c = Cursor::new(node);
        Ok(match rule {
            Rule::price_for => {
                let var = self.ident(c.expect(Rule::ident)?);
                let collection = self.expr(c.expect(Rule::expr)?)?;
                let key = match c.take(Rule::expr) {
                    Some(key) => Some(self.expr(key)?),
                    None => None,
                };
                let body = self.price_body(c.expect(Rule::price_body)?)?;
                PriceStmt::For(PriceFor {
                    var,
                    collection,
                    key,
                    body,
                    span,
                })
            }
            Rule::subtotal_stmt => {
                let id = self.ident(c.expect(Rule::ident)?);
                let label = self.optional_label(&mut c)?;
                PriceStmt::Subtotal(SubtotalStmt { id, label, span })
            }
            _ => {
                let kind = match c.expect(Rule::line_kind)?.as_str() {
                    "discount" => LineKind::Discount,
                    "surcharge" => LineKind::Surcharge,
                    "tax" => LineKind::Tax,
                    _ => LineKind::Line,
                };
                let id = self.ident(c.expect(Rule::ident)?);
                let label = self.optional_label(&mut c)?;
                let amount_node = c.next()?;
                let amount_rule = amount_node.kind();
                let mut a = Cursor::new(amount_node);
                let amount = match amount_rule {
                    Rule::qty_at => {
                        let qty = self.expr(a.expect(Rule::expr)?)?;
                        let unit_price = self.expr(a.expect(Rule::expr)?)?;
                        LineAmount::QtyAt { qty, unit_price }
                    }
                    Rule::percent_of => {
                        let rate = self.expr(a.expect(Rule::expr)?)?;
                        let base = self.ident(a.expect(Rule::ident)?);
                        LineAmount::PercentOf { rate, base }
                    }
                    _ => LineAmount::Amount(self.expr(a.expect(Rule::expr)?)?),
                };
                let when = self.optional_expr(&mut c)?;
                PriceStmt::Line(PriceLine {
                    kind,
                    id,
                    label,
                    amount,
                    when,
                    span,
                })
            }
        })
    }

    fn optional_label(&self, c: &mut Cursor<'_>) -> Result<Option<Expr>, Diagnostic> {
        match c.take(Rule::string) {
            Some(label) => {
                let span = span_of(&label);
                Ok(Some(Expr {
                    kind: ExprKind::Text(self.text_parts(label)?),
                    span,
                }))
            }
            None => Ok(None),
        }
    }

    fn optional_expr(&self, c: &mut Cursor<'_>) -> Result<Option<Expr>, Diagnostic> {
        match c.take(Rule::expr) {
            Some(e) => Ok(Some(self.expr(e)?)),
            None => Ok(None),
        }
    }

    fn ident_list(&self, node: Node<'_>) -> Vec<Ident> {
        Cursor::new(node).rest().map(|i| self.ident(i)).collect()
    }

    fn approval_step(&self, node: Node<'_>) -> Result<ApprovalStep, Diagnostic> {
        let span = span_of(&node);
        let mut c = Cursor::new(node);
        let id = self.ident(c.expect(Rule::ident)?);
        let label = self.optional_label(&mut c)?;
        let roles = self.ident_list(c.expect(Rule::ident_list)?);
        let quorum = match c.take(Rule::step_quorum) {
            Some(node) => {
                let count = Cursor::new(node).expect(Rule::quorum_count)?;
                let span = span_of(&count);
                // Digits only: a count too large for u64 is as meaningless as one just below.
                let count = count.as_str().parse::<u64>().unwrap_or(u64::MAX);
                Some(Quorum { count, span })
            }
            None => None,
        };
        let when = self.optional_expr(&mut c)?;
        let facts = match c.take(Rule::step_facts) {
            Some(node) => Cursor::new(node)
                .rest()
                .map(|e| self.expr(e))
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(ApprovalStep {
            id,
            label,
            roles,
            quorum,
            when,
            facts,
            span,
        })
    }

    fn state(&self, node: Node<'_>) -> Result<StateDecl, Diagnostic> {
        let span = span_of(&node);
        let doc = self.doc_before(span.start);
        let mut c = Cursor::new(node);
        let name = self.ident(c.expect(Rule::ident)?);
        let mut state = StateDecl {
            doc,
            name,
            initial: false,
            is_final: false,
            owner: None,
            sla: None,
            span,
        };
        for flag in c.rest() {
            let flag_span = span_of(&flag);
            let repeated = match flag.kind() {
                Rule::flag_initial => std::mem::replace(&mut state.initial, true),
                Rule::flag_final => std::mem::replace(&mut state.is_final, true),
                Rule::state_owner => {
                    let owner = self.expr(Cursor::new(flag).expect(Rule::expr)?)?;
                    state.owner.replace(owner).is_some()
                }
                _ => {
                    let sla = self.expr(Cursor::new(flag).expect(Rule::expr)?)?;
                    state.sla.replace(sla).is_some()
                }
            };
            if repeated {
                self.report(Diagnostic::new(
                    DiagnosticKind::Syntax,
                    flag_span,
                    "this state flag is written twice",
                ));
            }
        }
        Ok(state)
    }

    fn transition(&self, node: Node<'_>) -> Result<TransitionDecl, Diagnostic> {
        let span = span_of(&node);
        let doc = self.doc_before(span.start);
        let mut c = Cursor::new(node);
        let name = self.ident(c.expect(Rule::ident)?);
        let from = self.ident_list(c.expect(Rule::ident_list)?);
        let to = self.ident(c.expect(Rule::ident)?);
        let mut transition = TransitionDecl {
            doc,
            name,
            from,
            to,
            roles: Vec::new(),
            when: None,
            requires: Vec::new(),
            span,
        };
        for clause in c.rest() {
            let clause_span = span_of(&clause);
            let rule = clause.kind();
            let mut inner = Cursor::new(clause);
            let repeated = match rule {
                Rule::transition_by => {
                    let roles = self.ident_list(inner.expect(Rule::ident_list)?);
                    !std::mem::replace(&mut transition.roles, roles).is_empty()
                }
                Rule::transition_when => {
                    let guard = self.expr(inner.expect(Rule::expr)?)?;
                    transition.when.replace(guard).is_some()
                }
                _ => {
                    let chains = self.ident_list(inner.expect(Rule::ident_list)?);
                    !std::mem::replace(&mut transition.requires, chains).is_empty()
                }
            };
            if repeated {
                self.report(Diagnostic::new(
                    DiagnosticKind::Syntax,
                    clause_span,
                    "this transition clause is written twice",
                ));
            }
        }
        Ok(transition)
    }

    fn trigger(
        &self,
        mut c: Cursor<'_>,
        doc: Vec<String>,
        span: crate::Span,
    ) -> Result<TriggerDecl, Diagnostic> {
        let name = self.ident(c.expect(Rule::ident)?);
        let event_node = c.next()?;
        let event_rule = event_node.kind();
        let mut e = Cursor::new(event_node);
        let event = match event_rule {
            Rule::event_at => {
                let at = self.expr(e.expect(Rule::expr_no_in)?)?;
                let states = self.ident_list(e.expect(Rule::ident_list)?);
                TriggerEvent::At { at, states }
            }
            Rule::event_change => {
                let mut fields = Vec::new();
                while let Some(path) = e.take(Rule::field_path) {
                    fields.push(self.ident(path));
                }
                let (workflow, states) = self.event_scope(e)?;
                TriggerEvent::Change {
                    fields,
                    workflow,
                    states,
                }
            }
            Rule::event_becomes => {
                let condition = self.expr(e.expect(Rule::expr_no_in)?)?;
                let (workflow, states) = self.event_scope(e)?;
                TriggerEvent::Becomes {
                    condition,
                    workflow,
                    states,
                }
            }
            _ => {
                let subject = self.ident(e.expect(Rule::ident)?);
                match event_rule {
                    Rule::event_enter => TriggerEvent::Enter(subject),
                    Rule::event_exit => TriggerEvent::Exit(subject),
                    Rule::event_transition => TriggerEvent::Transition(subject),
                    Rule::event_breach => TriggerEvent::Breach(subject),
                    _ => TriggerEvent::Stay {
                        state: subject,
                        after: self.expr(e.expect(Rule::expr)?)?,
                    },
                }
            }
        };
        let when = self.optional_expr(&mut c)?;
        let actions = c
            .rest()
            .map(|action| self.action(action))
            .collect::<Result<_, _>>()?;
        Ok(TriggerDecl {
            doc,
            name,
            event,
            when,
            actions,
            span,
        })
    }

    /// `[of WORKFLOW] [in STATE, ...]` after `on change` and `on becomes`.
    fn event_scope(&self, mut c: Cursor<'_>) -> Result<(Option<Ident>, Vec<Ident>), Diagnostic> {
        let workflow = match c.take(Rule::event_of) {
            Some(of) => Some(self.ident(Cursor::new(of).expect(Rule::ident)?)),
            None => None,
        };
        let states = match c.take(Rule::event_in) {
            Some(states) => self.ident_list(Cursor::new(states).expect(Rule::ident_list)?),
            None => Vec::new(),
        };
        Ok((workflow, states))
    }

    fn action(&self, node: Node<'_>) -> Result<Action, Diagnostic> {
        let span = span_of(&node);
        let action = Cursor::new(node).next()?;
        let rule = action.kind();
        let mut c = Cursor::new(action);
        let kind = match rule {
            Rule::notify_action => {
                let target = Cursor::new(c.expect(Rule::notify_target)?).next()?;
                let target_span = span_of(&target);
                let to = if target.kind() == Rule::ident {
                    Expr {
                        kind: ExprKind::Name(self.ident(target)),
                        span: target_span,
                    }
                } else {
                    Expr {
                        kind: ExprKind::Text(self.text_parts(target)?),
                        span: target_span,
                    }
                };
                let message = self.expr(c.expect(Rule::expr)?)?;
                ActionKind::Notify { to, message }
            }
            Rule::escalate_action => ActionKind::Escalate {
                role: self.ident(c.expect(Rule::ident)?),
            },
            _ => {
                let subject = self.primary(c.next()?)?;
                let fields = match c.take(Rule::arg_block) {
                    Some(block) => self.record_fields(block)?,
                    None => Vec::new(),
                };
                if rule == Rule::task_action {
                    ActionKind::Task {
                        name: subject,
                        fields,
                    }
                } else {
                    ActionKind::Emit {
                        event: subject,
                        fields,
                    }
                }
            }
        };
        Ok(Action { kind, span })
    }

    fn test(
        &self,
        mut c: Cursor<'_>,
        doc: Vec<String>,
        span: crate::Span,
    ) -> Result<TestDecl, Diagnostic> {
        let name = self.plain_string(c.expect(Rule::plain_string)?);
        let mut given: Option<Expr> = None;
        let mut as_of = None;
        let mut steps = Vec::new();
        for clause in c.rest() {
            let clause_span = span_of(&clause);
            let rule = clause.kind();
            let mut inner = Cursor::new(clause);
            match rule {
                Rule::test_given => {
                    let record = inner.next()?;
                    let record_span = span_of(&record);
                    let fields = if record.kind() == Rule::record {
                        self.record_fields(record)?
                    } else {
                        Vec::new()
                    };
                    if given
                        .replace(Expr {
                            kind: ExprKind::Record(fields),
                            span: record_span,
                        })
                        .is_some()
                    {
                        self.report(Diagnostic::new(
                            DiagnosticKind::Syntax,
                            clause_span,
                            "a test has one `given`",
                        ));
                    }
                }
                Rule::test_as_of => {
                    if as_of
                        .replace(self.date(inner.expect(Rule::date)?))
                        .is_some()
                    {
                        self.report(Diagnostic::new(
                            DiagnosticKind::Syntax,
                            clause_span,
                            "a test has one `as_of`",
                        ));
                    }
                }
                Rule::test_workflow => {
                    let first = self.ident(inner.expect(Rule::ident)?);
                    let (workflow, state) = match inner.take(Rule::ident) {
                        Some(state) => (Some(first), self.ident(state)),
                        None => (None, first),
                    };
                    let actor = match inner.next().ok() {
                        Some(node) if node.kind() == Rule::record => Some(Expr {
                            span: span_of(&node),
                            kind: ExprKind::Record(self.record_fields(node)?),
                        }),
                        Some(node) => {
                            let text = self.plain_string(node);
                            Some(Expr {
                                span: text.span,
                                kind: ExprKind::Text(vec![TextPart::Literal(text.value)]),
                            })
                        }
                        None => None,
                    };
                    steps.push(TestStep {
                        kind: TestStepKind::Workflow {
                            workflow,
                            state,
                            actor,
                        },
                        span: clause_span,
                    });
                }
                Rule::test_approvals => {
                    let record = inner.expect(Rule::record)?;
                    let grants = Expr {
                        span: span_of(&record),
                        kind: ExprKind::Record(self.record_fields(record)?),
                    };
                    steps.push(TestStep {
                        kind: TestStepKind::Approvals(grants),
                        span: clause_span,
                    });
                }
                Rule::test_now => {
                    let node = inner.expect(Rule::datetime)?;
                    let at = Expr {
                        span: span_of(&node),
                        kind: ExprKind::DateTime(self.datetime(node)),
                    };
                    steps.push(TestStep {
                        kind: TestStepKind::Now(at),
                        span: clause_span,
                    });
                }
                Rule::test_apply => steps.push(TestStep {
                    kind: TestStepKind::Apply(self.ident(inner.expect(Rule::ident)?)),
                    span: clause_span,
                }),
                Rule::test_fire => {
                    let kind = match inner.take(Rule::test_fire_sla) {
                        Some(sla) => TestStepKind::Fire {
                            sla: true,
                            name: self.ident(Cursor::new(sla).expect(Rule::ident)?),
                        },
                        None => TestStepKind::Fire {
                            sla: false,
                            name: self.ident(inner.expect(Rule::ident)?),
                        },
                    };
                    steps.push(TestStep {
                        kind,
                        span: clause_span,
                    });
                }
                _ => steps.push(TestStep {
                    kind: TestStepKind::Expect(self.expr(inner.expect(Rule::expr)?)?),
                    span: clause_span,
                }),
            }
        }
        let given = given.unwrap_or(Expr {
            kind: ExprKind::Record(Vec::new()),
            span: name.span,
        });
        Ok(TestDecl {
            doc,
            name,
            given,
            as_of,
            steps,
            span,
        })
    }
}
