// PlanQuery (query_plan.h).
#include "index/query_plan.h"

#include <cctype>

#include "lexical/lexical.h"
#include "util/ascii.h"

namespace ts::index {

QueryPlan PlanQuery(std::string_view text) {
  QueryPlan plan;
  plan.text = std::string(text);
  plan.intent = fusion::ClassifyIntent(text);
  plan.terms = lexical::TokenizeToVector(text);
  plan.identifiers = QueryIdentifiers(text);
  plan.signals = rank::AnalyzeQuery(text);
  if (plan.signals.identifier.empty() && !plan.signals.describes_definition) {
    plan.word_forms = WordFormsOf(text, plan.terms);
  }
  return plan;
}

std::vector<std::string> WordFormsOf(std::string_view text, const std::vector<std::string>& terms) {
  // Sets, not scans of the lists: a 4 KiB query has about 800 words and
  // several thousand forms.
  std::unordered_set<std::string> seen(terms.begin(), terms.end());
  std::vector<std::string> out;
  auto add = [&](std::string form) {
    if (seen.insert(form).second) out.push_back(std::move(form));
  };
  // A word is a run of characters that can make up an identifier; WordForms
  // expands only the plain lowercase ones ("parse_url", "v2", "ZodType" are
  // code, not English).
  auto joins = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  for (size_t i = 0; i < text.size();) {
    if (!joins(text[i])) {
      ++i;
      continue;
    }
    const size_t begin = i;
    while (i < text.size() && joins(text[i])) ++i;
    for (std::string& form : lexical::WordForms(text.substr(begin, i - begin)))
      add(std::move(form));
  }
  return out;
}

std::unordered_set<std::string> QueryIdentifiers(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t b = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > b) words.push_back(text.substr(b, i - b));
  }
  std::unordered_set<std::string> out;
  for (std::string_view w : words) {
    while (!w.empty() && std::string_view("?,!`'\"").find(w.back()) != std::string_view::npos)
      w.remove_suffix(1);
    while (!w.empty() && std::string_view("`'\"").find(w.front()) != std::string_view::npos)
      w.remove_prefix(1);
    bool code_shaped = words.size() == 1;
    if (w.size() >= 2 && w.substr(w.size() - 2) == "()") {
      w.remove_suffix(2);
      code_shaped = true;
    }
    size_t cut = w.find_last_of(".:");
    if (cut != std::string_view::npos && cut + 1 < w.size()) {
      w = w.substr(cut + 1);
      code_shaped = true;
    }
    if (w.size() < 2 || std::isdigit(static_cast<unsigned char>(w[0]))) continue;
    bool ident = true;
    for (size_t k = 0; k < w.size(); ++k) {
      unsigned char c = static_cast<unsigned char>(w[k]);
      ident = ident && (std::isalnum(c) || c == '_');
      if (c == '_' && k > 0) code_shaped = true;
      if (k > 0 && std::isupper(c) && std::islower(static_cast<unsigned char>(w[k - 1])))
        code_shaped = true;
    }
    if (ident && code_shaped) out.insert(LowerAscii(w));
  }
  return out;
}

}  // namespace ts::index
