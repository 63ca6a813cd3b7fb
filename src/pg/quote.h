// The one place where SQL text is built from user-supplied names and values:
// PostgreSQL's, the implementation behind backend::Backend::QuoteIdentifier and
// QuoteLiteral (src/backend/postgres_backend.h). New code quotes through the
// backend; existing call sites move over as their areas go behind it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace zs::pg {

// "name" with embedded double quotes doubled. Every identifier that reaches SQL
// text goes through this function (or QualifiedName, which calls it).
std::string QuoteIdent(std::string_view name);

// "schema"."name"
std::string QualifiedName(std::string_view schema, std::string_view name);

// 'value' with embedded single quotes doubled (standard_conforming_strings is on
// by default since 9.1; connections pin it on, see Connection).
std::string QuoteLiteral(std::string_view value);

// A duration as a quoted setting value in milliseconds: '500ms' (SET lock_timeout = ...).
std::string MillisecondsLiteral(std::chrono::milliseconds value);

// "a", "b", "c"
std::string QuoteIdentList(const std::vector<std::string>& names);

}  // namespace zs::pg
