// What every operation's MariaDB SQL shares (docs: ../shared/design/mariadb.md).
// MariaDB commits each DDL statement on its own, so a crash can leave any
// statement run and the engine runs it again: every statement built here is
// safe to repeat (IF [NOT] EXISTS, MODIFY to a full definition), and each
// Action is ONE statement. Identifiers are quoted by ctx.backend.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "migration/migration.h"
#include "ops/operation.h"

namespace zs::ops {

// MariadbLock, MariadbLockText and MariadbAction: ops/action.h.

// A statement that fails (SQLSTATE 23000, `message`) when a row of `table`
// holds NULL in `column`: complete runs it before anything is dropped, where
// a column becomes NOT NULL that a client of the new version could leave NULL,
// so that the MODIFY cannot fail after the dual-write triggers are gone.
// Nothing is checked when `column` does not exist (a repeat after complete).
std::string MariadbNoNullsStatement(const OpContext& ctx, const std::string& table,
                                    const std::string& column, const std::string& message);

// `database`.`table` for a table of ctx.before (a MariaDB schema is a database).
std::string MariadbTableName(const OpContext& ctx, const std::string& physical_table);
std::string MariadbQuote(const OpContext& ctx, const std::string& name);
std::string MariadbQuoteList(const OpContext& ctx, const std::vector<std::string>& names);

// `name` type [NOT NULL] [DEFAULT (...)] [COMMENT '...'] for add_column and
// create_table. REQUIRES: MariadbColumnSupported(column) succeeded.
std::string MariadbColumnDefinition(const OpContext& ctx, const migration::Column& column,
                                    bool not_null);

// What MariaDB refuses of a column definition whatever the operation: identity
// and generated columns, column checks and references (`what` names the place,
// e.g. "table \"users\"").
Status MariadbColumnSupported(const OpContext& ctx, const migration::Column& column,
                              const std::string& what);

// True when MariaDB adds a column with DEFAULT (`expression`) instantly
// (ALGORITHM=INSTANT): literals, operators and the deterministic functions
// and keywords below (measured on 10.11: CONCAT, IF, SUBSTRING_INDEX, NOW,
// CURRENT_TIMESTAMP, CASE, x'..', _utf8mb4'..' are instant; UUID(),
// UUID_SHORT(), SYSDATE(), UTC_TIMESTAMP() and a column are not). Anything
// else, and what does not lex, counts as not instant: read with MariaDB's
// lexer, never PostgreSQL's parser.
bool MariadbInstantDefault(std::string_view expression);

// "<ctx.where>: cannot run on MariaDB: <reason>".
Status MariadbRefusal(const OpContext& ctx, const std::string& reason);

}  // namespace zs::ops
