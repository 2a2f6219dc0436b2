//! The text of each row against the tree the same row reads as.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder, StructBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DurationMicrosecondArray, Float64Array,
    Int32Array, NullArray, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Fields};
use serde_json::Value as Json;

use super::{Decline, Writer};
use crate::arrow::{Input, read, tree_input};
use crate::to_json::Floats;

/// A batch of the named columns, with each column's input and separator.
fn table(columns: Vec<(&str, Option<&str>, ArrayRef)>) -> (RecordBatch, Vec<Input>) {
    let inputs = columns
        .iter()
        .map(|(name, separator, _)| Input {
            path: name.split('.').map(str::to_string).collect(),
            dotted: (*name).to_string(),
            separator: separator.map(str::to_string),
        })
        .collect();
    let batch =
        RecordBatch::try_from_iter(columns.into_iter().map(|(n, _, a)| (n, a))).expect("a batch");
    (batch, inputs)
}

fn writer(batch: &RecordBatch, inputs: &[Input], floats: Floats) -> Option<Writer> {
    let columns: Vec<_> = inputs
        .iter()
        .zip(batch.schema().fields())
        .map(|(i, f)| (i.path.clone(), i.separator.clone(), f.data_type().clone()))
        .collect();
    let refs: Vec<_> = columns
        .iter()
        .map(|(p, s, t)| (p.clone(), s.clone(), t))
        .collect();
    Writer::new(&refs, floats)
}

/// Each row's text, read as JSON, against its tree; `Err` where the text is declined.
fn texts(batch: &RecordBatch, inputs: &[Input], floats: Floats) -> Vec<Result<Json, Decline>> {
    let writer = writer(batch, inputs, floats).expect("a writer");
    let reader = read::Reader { floats };
    let mut out = Vec::new();
    (0..batch.num_rows())
        .map(|row| {
            writer.row(batch, row, &mut out)?;
            let text: Json = serde_json::from_slice(&out).expect("valid JSON");
            let tree = tree_input(&reader, inputs, batch, row).expect("a tree");
            assert_eq!(text, tree, "row {row}: {}", String::from_utf8_lossy(&out));
            // Same keys in the same order, as the engine's reader sees them.
            assert_eq!(text.to_string(), tree.to_string());
            Ok(text)
        })
        .collect()
}

#[test]
fn rows_are_the_trees_text() {
    let mut positions = ListBuilder::new(StructBuilder::new(
        Fields::from(vec![
            Field::new("sku", DataType::Utf8, true),
            Field::new("qty", DataType::Int64, true),
        ]),
        vec![
            Box::new(StringBuilder::new()),
            Box::new(Int64Builder::new()),
        ],
    ));
    for row in 0..4 {
        for item in 0..row {
            let record = positions.values();
            record
                .field_builder::<StringBuilder>(0)
                .expect("sku")
                .append_option((item != 1).then(|| format!("S\"{item}")));
            record
                .field_builder::<Int64Builder>(1)
                .expect("qty")
                .append_value(item as i64);
            record.append(true);
        }
        positions.append(row != 3);
    }
    let (batch, inputs) = table(vec![
        (
            "quantity",
            None,
            Arc::new(Int32Array::from(vec![Some(1), None, Some(-3), Some(0)])),
        ),
        (
            "discount",
            None,
            Arc::new(Float64Array::from(vec![0.05, f64::NAN, 1e-7, 1.5e20])),
        ),
        (
            "ship_to.country",
            None,
            Arc::new(StringArray::from(vec![
                Some("DE"),
                None,
                Some("ü\n\\"),
                None,
            ])),
        ),
        (
            "ship_to.express",
            None,
            Arc::new(BooleanArray::from(vec![Some(true), None, None, None])),
        ),
        (
            "accessories",
            Some(";"),
            Arc::new(StringArray::from(vec![
                Some("rack; lights"),
                Some(""),
                None,
                Some(";x;"),
            ])),
        ),
        (
            "price",
            None,
            Arc::new(
                Decimal128Array::from(vec![Some(1250), Some(-5), None, Some(0)])
                    .with_precision_and_scale(10, 2)
                    .expect("a decimal"),
            ),
        ),
        (
            "day",
            None,
            Arc::new(Date32Array::from(vec![
                Some(20_000),
                None,
                Some(-1),
                Some(0),
            ])),
        ),
        (
            "at",
            None,
            Arc::new(
                TimestampMicrosecondArray::from(vec![
                    Some(1_700_000_000_123_456),
                    None,
                    Some(0),
                    None,
                ])
                .with_timezone("UTC"),
            ),
        ),
        (
            "wait",
            None,
            Arc::new(DurationMicrosecondArray::from(vec![
                Some(90_000_000),
                None,
                Some(0),
                None,
            ])),
        ),
        ("nothing", None, Arc::new(NullArray::new(4))),
        ("positions", None, Arc::new(positions.finish())),
    ]);
    let rows = texts(&batch, &inputs, Floats::Shortest);
    assert!(rows.iter().all(Result::is_ok));
    assert_eq!(
        rows.first().and_then(|r| r.as_ref().ok()).map(|r| r.to_string()),
        Some(
            r#"{"quantity":1,"discount":0.05,"ship_to":{"country":"DE","express":true},"accessories":["rack","lights"],"price":12.50,"day":"2024-10-04","at":"2023-11-14T22:13:20.123456Z","wait":"PT1M30S","positions":[]}"#
                .to_string()
        )
    );
    assert_eq!(
        rows.get(1)
            .and_then(|r| r.as_ref().ok())
            .map(|r| r.to_string()),
        Some(
            r#"{"accessories":[],"price":-0.05,"positions":[{"sku":"S\"0","qty":0}]}"#.to_string()
        )
    );
}

#[test]
fn what_the_tree_refuses_is_declined() {
    let (batch, inputs) = table(vec![(
        "discount",
        None,
        Arc::new(Float64Array::from(vec![0.5, f64::INFINITY])),
    )]);
    let rows = texts(&batch, &inputs, Floats::Shortest);
    assert!(rows.first().is_some_and(Result::is_ok));
    let writer = writer(&batch, &inputs, Floats::Shortest).expect("a writer");
    assert_eq!(writer.row(&batch, 1, &mut Vec::new()), Err(Decline));
    let rejecting = writer_for(&batch, &inputs, Floats::Reject);
    assert_eq!(rejecting.row(&batch, 0, &mut Vec::new()), Err(Decline));

    let (batch, inputs) = table(vec![
        (
            "at",
            None,
            Arc::new(TimestampMicrosecondArray::from(vec![Some(0)])),
        ),
        (
            "wait",
            None,
            Arc::new(DurationMicrosecondArray::from(vec![Some(1)])),
        ),
    ]);
    assert_eq!(
        writer_for(&batch, &inputs, Floats::Shortest).row(&batch, 0, &mut Vec::new()),
        Err(Decline)
    );
}

fn writer_for(batch: &RecordBatch, inputs: &[Input], floats: Floats) -> Writer {
    writer(batch, inputs, floats).expect("a writer")
}

#[test]
fn columns_at_one_place_are_left_to_the_tree() {
    let ints = || -> ArrayRef { Arc::new(Int32Array::from(vec![1])) };
    for names in [["a", "a"], ["a", "a.b"], ["a.b", "a"], ["a.b", "a.b"]] {
        let (batch, inputs) = table(names.iter().map(|n| (*n, None, ints())).collect());
        assert!(
            writer(&batch, &inputs, Floats::Shortest).is_none(),
            "{names:?}"
        );
    }
    let (batch, inputs) = table(vec![("a.b", None, ints()), ("a.c", None, ints())]);
    assert!(writer(&batch, &inputs, Floats::Shortest).is_some());
}

#[test]
fn an_empty_row_is_an_empty_object() {
    let (batch, inputs) = table(vec![(
        "a.b",
        None,
        Arc::new(Int32Array::from(vec![None::<i32>])),
    )]);
    let mut out = Vec::new();
    writer_for(&batch, &inputs, Floats::Shortest)
        .row(&batch, 0, &mut out)
        .expect("written");
    assert_eq!(out, b"{}");
}
