// Word forms: a light English suffix stripper (StemKey) and the forms of a
// query word that share its key (WordForms), for the lexical lane's
// word-form expansion and the semantic model's features (lexical.h).
#include <string>
#include <string_view>

#include "lexical/lexical.h"

namespace ts::lexical {
namespace {

bool EndsWith(std::string_view w, std::string_view suffix) {
  return w.size() >= suffix.size() && w.substr(w.size() - suffix.size()) == suffix;
}

void StripSuffix(std::string* w) {
  if (w->size() < 5) {
    if (w->size() == 4 && w->back() == 's' && (*w)[2] != 's' && (*w)[2] != 'u') w->pop_back();
    return;
  }
  if (EndsWith(*w, "ies")) {
    w->resize(w->size() - 3);
    w->push_back('y');
  } else if (EndsWith(*w, "sses")) {
    w->resize(w->size() - 2);
  } else if (EndsWith(*w, "ing") && w->size() >= 6) {
    w->resize(w->size() - 3);
  } else if (EndsWith(*w, "ed") && w->size() >= 5) {
    w->resize(w->size() - 2);
  } else if (EndsWith(*w, "es") && (EndsWith(*w, "ches") || EndsWith(*w, "shes") ||
                                    EndsWith(*w, "xes") || EndsWith(*w, "zes"))) {
    w->resize(w->size() - 2);
  } else if (EndsWith(*w, "s") && !EndsWith(*w, "ss") && !EndsWith(*w, "us") &&
             !EndsWith(*w, "is")) {
    w->resize(w->size() - 1);
  }
}

bool PlainWord(std::string_view w) {
  for (unsigned char c : w) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

}  // namespace

void StemKey(std::string* w) {
  if (w->size() < 4 || !PlainWord(*w)) return;
  StripSuffix(w);
  if (w->size() >= 4 && w->back() == 'e') w->pop_back();
}

std::vector<std::string> WordForms(std::string_view word) {
  std::vector<std::string> out;
  if (word.size() < 4 || !PlainWord(word)) return out;
  std::string key(word);
  StemKey(&key);
  std::vector<std::string> candidates;
  for (std::string_view suffix : {"", "s", "e", "es", "ed", "ing"}) {
    candidates.push_back(key + std::string(suffix));
  }
  if (key.size() >= 4 && key.back() == 'y') {
    candidates.push_back(key.substr(0, key.size() - 1) + "ies");
  }
  for (std::string& c : candidates) {
    if (c == word || c.size() < 3) continue;
    std::string k = c;
    StemKey(&k);
    if (k != key) continue;
    bool seen = false;
    for (const auto& o : out) seen = seen || o == c;
    if (!seen) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ts::lexical
