#include "lint/linter.h"

#include <fmt/format.h>

#include <algorithm>

#include "lint/analysis.h"
#include "lint/apply.h"
#include "lint/rules.h"
#include "lint/source.h"

namespace zs::lint {
namespace {

constexpr std::string_view kIgnoreDirective = "zeroshift-lint-ignore";
constexpr std::string_view kIgnoreFileDirective = "zeroshift-lint-ignore-file";

using CheckFn = void (*)(Context&);
constexpr CheckFn kChecks[] = {
    CheckTransactionRules, CheckIndexRules, CheckConstraintRules,  CheckColumnRules,
    CheckBreakingRules,    CheckDataRules,  CheckMaintenanceRules, CheckVersionRules,
};

// Rules a suppression comment silences: all of them, or the ones it names.
struct Suppression {
  bool all = false;
  std::set<std::string> rules;
  bool Covers(std::string_view rule) const { return all || rules.count(std::string(rule)) > 0; }
  void Merge(const Suppression& other) {
    all |= other.all;
    rules.insert(other.rules.begin(), other.rules.end());
  }
};

struct Directive {
  bool whole_file = false;
  Suppression suppression;
  std::vector<std::string> unknown;  // names that are not rules
  bool malformed = false;            // "zeroshift-lint-<something else>"
};

// Parses "-- zeroshift-lint-ignore rule-a, rule-b -- reason" (or /* ... */).
Directive ParseDirective(std::string_view comment) {
  Directive directive;
  size_t at = comment.find("zeroshift-lint");
  std::string_view rest = comment.substr(at);
  if (rest.starts_with(kIgnoreFileDirective)) {
    directive.whole_file = true;
    rest.remove_prefix(kIgnoreFileDirective.size());
  } else if (rest.starts_with(kIgnoreDirective)) {
    rest.remove_prefix(kIgnoreDirective.size());
  } else {
    directive.malformed = rest.size() > 14 && rest[14] == '-';
    return directive;
  }
  if (!rest.empty() && rest[0] != ' ' && rest[0] != '\t' && rest[0] != ':' && rest[0] != '*') {
    directive.malformed = true;
    return directive;
  }
  if (size_t end = rest.find("*/"); end != std::string_view::npos) rest = rest.substr(0, end);
  if (size_t reason = rest.find("--"); reason != std::string_view::npos) {
    rest = rest.substr(0, reason);
  }
  std::string name;
  auto flush = [&] {
    if (name.empty()) return;
    if (FindRule(name) != nullptr) {
      directive.suppression.rules.insert(name);
    } else {
      directive.unknown.push_back(name);
    }
    name.clear();
  };
  for (char c : rest) {
    if (c == ',' || c == ' ' || c == '\t' || c == ':' || c == '\n' || c == '\r') {
      flush();
    } else {
      name += c;
    }
  }
  flush();
  directive.suppression.all = directive.suppression.rules.empty() && directive.unknown.empty();
  return directive;
}

// The piece a statement-level suppression applies to: the one the comment is
// inside, else the one it trails on the same line, else the next one.
size_t TargetPiece(const std::vector<Piece>& pieces, const DirectiveComment& comment,
                   const LineIndex& lines) {
  auto next = std::lower_bound(pieces.begin(), pieces.end(), comment.begin,
                               [](const Piece& p, uint32_t offset) { return p.end <= offset; });
  size_t index = static_cast<size_t>(next - pieces.begin());
  if (index < pieces.size() && pieces[index].begin <= comment.begin) return index;
  if (index > 0) {
    const Piece& previous = pieces[index - 1];
    if (lines.At(previous.end > 0 ? previous.end - 1 : 0).line == lines.At(comment.begin).line) {
      return index - 1;
    }
  }
  return index;  // may be pieces.size(): a comment after the last statement
}

std::string SyntaxMessage(const Statement& stmt, int pg_version) {
  std::string message = fmt::format("PostgreSQL's parser rejects this statement: {}", stmt.error);
  if (pg_version > 15) {
    message += fmt::format(
        " (zeroshift lint parses with the PostgreSQL 15 grammar; if this is PostgreSQL {} "
        "syntax, add -- zeroshift-lint-ignore syntax-error before it)",
        pg_version);
  }
  return message;
}

}  // namespace

Linter::Linter(LintOptions options, const Catalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {}

std::vector<Finding> Linter::LintText(std::string_view text, const std::string& file_name) {
  std::vector<Finding> out;
  RunOnLargeStack([&] { LintOnThisThread(text, file_name, out); });
  return out;
}

void Linter::LintOnThisThread(std::string_view text, const std::string& file_name,
                              std::vector<Finding>& out) {
  LineIndex lines(text.size() > kMaxLintBytes ? text.substr(0, 0) : text);
  auto place = [&](std::string_view rule, Severity severity, uint32_t offset, uint32_t end,
                   std::string message, std::string help, std::string rewrite) {
    Finding f;
    f.rule = std::string(rule);
    f.severity = severity;
    f.file = file_name;
    LineIndex::Position start = lines.At(offset);
    LineIndex::Position stop = lines.At(std::max(end, offset));
    f.line = start.line;
    f.column = start.column;
    f.end_line = stop.line;
    f.end_column = stop.column;
    f.message = std::move(message);
    f.help = std::move(help);
    f.rewrite = std::move(rewrite);
    f.source_line = std::string(lines.Line(f.line));
    out.push_back(std::move(f));
  };
  auto severity_of = [&](std::string_view rule, std::optional<Severity> computed) {
    auto it = options_.severities.find(std::string(rule));
    if (it != options_.severities.end()) return it->second;
    if (computed) return *computed;
    const RuleInfo* info = FindRule(rule);
    return info != nullptr ? info->severity : Severity::kError;
  };
  auto excluded = [&](std::string_view rule) {
    return options_.excluded_rules.count(std::string(rule)) > 0;
  };

  if (text.size() > kMaxLintBytes) {
    if (!excluded("syntax-error")) {
      place("syntax-error", severity_of("syntax-error", std::nullopt), 0, 0,
            fmt::format("the file is {} bytes, more than the {} MiB zeroshift lint reads",
                        text.size(), kMaxLintBytes >> 20),
            "split it into several migration files", "");
    }
    return;
  }

  SplitResult split = SplitStatements(text);
  Suppression file_suppression;
  std::vector<Suppression> piece_suppressions(split.pieces.size());
  for (const DirectiveComment& comment : split.directives) {
    Directive directive = ParseDirective(text.substr(comment.begin, comment.end - comment.begin));
    if (directive.malformed || !directive.unknown.empty()) {
      std::string what = directive.malformed
                             ? "an unknown zeroshift-lint directive (use zeroshift-lint-ignore or "
                               "zeroshift-lint-ignore-file)"
                             : fmt::format("unknown rule \"{}\"", directive.unknown.front());
      if (!excluded("invalid-suppression")) {
        place("invalid-suppression", severity_of("invalid-suppression", std::nullopt),
              comment.begin, comment.end,
              fmt::format("this suppression comment names {}: it silences nothing", what),
              "use rule ids from `zeroshift lint --list-rules`", "");
      }
    }
    if (directive.whole_file) {
      file_suppression.Merge(directive.suppression);
    } else if (size_t piece = TargetPiece(split.pieces, comment, lines);
               piece < split.pieces.size()) {
      piece_suppressions[piece].Merge(directive.suppression);
    }
  }

  LintState state;
  state.schema = &schema_;
  if (options_.assume_in_transaction) {
    state.file.txn.open = true;
    state.file.txn.assumed = true;
  }
  for (size_t p = 0; p < split.pieces.size(); ++p) {
    const Piece& piece = split.pieces[p];
    auto silenced = [&](std::string_view rule) {
      return excluded(rule) || file_suppression.Covers(rule) || piece_suppressions[p].Covers(rule);
    };
    for (const Statement& stmt : ParsePiece(text, piece)) {
      if (!stmt.parsed()) {
        if (!silenced("syntax-error")) {
          place("syntax-error", severity_of("syntax-error", std::nullopt), stmt.error_offset,
                stmt.end, SyntaxMessage(stmt, options_.pg_version),
                "fix the statement; the rest of the file is checked as if it were not there", "");
        }
        continue;
      }
      Effect effect = Classify(stmt, state, catalog_);
      Context ctx(stmt, effect, state, options_, catalog_, lines);
      for (CheckFn check : kChecks) check(ctx);
      for (RawFinding& raw : ctx.findings()) {
        if (raw.rule == "lock-timeout-missing") state.file.reported_lock_timeout = true;
        if (raw.rule == "statement-timeout-missing") state.file.reported_statement_timeout = true;
        if (silenced(raw.rule)) continue;
        place(raw.rule, severity_of(raw.rule, raw.severity), raw.offset, stmt.end,
              std::move(raw.message), std::move(raw.help), std::move(raw.rewrite));
      }
      ApplyStatement(stmt, effect, state);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
}

std::vector<Finding> LintSql(std::string_view text, const std::string& file_name,
                             const LintOptions& options) {
  Linter linter(options);
  return linter.LintText(text, file_name);
}

}  // namespace zs::lint
