// One request's reading of its query, made once by IndexImpl::Query and used by
// every stage after it: the lexical lane (terms), the exact-symbol boost
// (identifiers), the fusion weights and graph intent (intent), and the
// re-ranker (signals). No stage reads the query text again.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "fusion/fusion.h"
#include "rank/rank.h"

namespace ts::index {

struct QueryPlan {
  std::string text;
  fusion::Intent intent;                        // definition, usage, conceptual, debt, search
  std::vector<std::string> terms;               // the lexical lane's tokens
  std::unordered_set<std::string> identifiers;  // QueryIdentifiers
  rank::QuerySignals signals;                   // what the re-ranker reads
  // Other forms (lexical::WordForms) of the query's plain words, lowercase
  // words of four letters or more written as words, not parts of an
  // identifier: a question paraphrases the code ("how routes are
  // registered" for registerRoute). None for a query that is one identifier
  // or reads like a doc comment (it shares its definition's very words).
  // Never one of `terms`.
  std::vector<std::string> word_forms;
};

QueryPlan PlanQuery(std::string_view text);

// The other forms of `text`'s plain words (QueryPlan::word_forms), minus `terms`.
std::vector<std::string> WordFormsOf(std::string_view text, const std::vector<std::string>& terms);

// Words of a query that are unmistakably identifiers, lowercased, with a
// trailing "()" and any qualification ("a.b", "a::b": the last name) removed:
// snake_case, camelCase, a call "f()", a qualified name, or the whole query
// when it is one word. Plain English words are not: "open" in "open a file"
// must not boost every function named open (measured: it costs 0.05 MRR@10
// on pydoc).
std::unordered_set<std::string> QueryIdentifiers(std::string_view text);

}  // namespace ts::index
