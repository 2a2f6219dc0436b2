// Syntax highlighting of ordo source, line by line, as DOM nodes (never HTML strings):
// comments, strings, numbers and dates, keywords, and the names declarations introduce.

import { h } from "./ui.js";

const KEYWORDS = new Set(
  (
    "ruleset version effective input output let table decision hit first unique collect any " +
    "constraint else error warning review price line qty at subtotal discount surcharge tax of " +
    "when approval step parallel by requires requested_by facts quorum workflow state initial final " +
    "owner sla transition trigger on enter exit stay after breach becomes change notify escalate task " +
    "emit test given expect as_of now actor apply fire enum type roles calendar weekend holidays " +
    "fallback matching len in implies and or not if then for from import true false none previous"
  ).split(" "),
);

const TOKEN =
  /(\/\/.*$)|("(?:[^"\\]|\\.)*")|(\b\d{4}-\d{2}-\d{2}(?:T[\d:]+Z?)?\b|\b\d+(?:\.\d+)?%?)|([A-Za-z_][A-Za-z0-9_]*)|(\s+|.)/g;

/** One line of source as highlighted nodes. */
function tokens(line, previousWord) {
  const out = [];
  let last = previousWord;
  for (const match of line.matchAll(TOKEN)) {
    const [text, comment, string, number, word] = match;
    if (comment) out.push(h("span.tok-comment", {}, text));
    else if (string) out.push(h("span.tok-string", {}, text));
    else if (number) out.push(h("span.tok-number", {}, text));
    else if (word && KEYWORDS.has(word)) out.push(h("span.tok-keyword", {}, text));
    else if (word && ["table", "decision", "constraint", "output", "let", "approval", "workflow", "state", "transition", "trigger", "enum", "type", "ruleset", "step"].includes(last))
      out.push(h("span.tok-name", {}, text));
    else out.push(text);
    if (word) last = word;
  }
  return out;
}

/** The source as an ordered list of highlighted lines (numbers from the list, not the text). */
export function highlight(source) {
  return h(
    "ol.source",
    { "aria-label": "Source" },
    source.split("\n").map((line) => h("li", {}, h("code", {}, tokens(line, "")))),
  );
}
