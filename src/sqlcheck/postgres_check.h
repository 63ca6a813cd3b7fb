// PostgreSQL's ExpressionChecker: the libpg_query checks of
// sqlcheck/expression.h behind the interface, unchanged. It needs no server:
// function calls are checked against the catalog shipped with zeroshift
// (sqlcheck/function_calls.h), and column references come from the parse tree.
#pragma once

#include "sqlcheck/checker.h"

namespace zs::sqlcheck {

class PostgresExpressionChecker final : public ExpressionChecker {
 public:
  // ValidateExpression, then ReferencedColumns(expression, table.name)
  // matched exactly against the visible columns (PostgreSQL's names are
  // case-sensitive once parsed).
  Result<CheckedExpression> CheckExpression(const VisibleTable& table,
                                            const std::string& expression, const std::string& what,
                                            UnknownColumns unknown) override;
  // ValidateTypeName.
  Status CheckType(const std::string& type, const std::string& what) override;
  // ValidateIdentifier (at most 63 bytes).
  Status CheckIdentifier(const std::string& name, const std::string& what) override;
  // SplitStatements.
  Result<std::vector<Statement>> CheckStatements(const std::string& sql,
                                                 const std::string& what) override;
};

}  // namespace zs::sqlcheck
