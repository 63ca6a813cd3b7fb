// Generated identifiers and text printed next to SQL: cut on character
// boundaries, and kept on one comment line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zs::ops {

// PostgreSQL's limit on an identifier, in bytes (NAMEDATALEN - 1): where
// PostgreSQL cuts the names it makes up or is given, which ClipIdentifier
// reproduces. A user's new name is held to its backend's limit instead
// (ExpressionChecker::CheckIdentifier, Backend::MaxIdentifierBytes).
inline constexpr size_t kPgIdentifierMaxBytes = 63;

// The longest prefix of `text` that is at most `max_bytes` long and ends on a
// UTF-8 character boundary: a generated name cut in the middle of a character
// is an invalid byte sequence that PostgreSQL refuses in every statement
// (including the rollback's). This is also where PostgreSQL itself cuts a
// longer identifier, so the name zeroshift computes is the name stored.
std::string ClipIdentifier(std::string_view text, size_t max_bytes = kPgIdentifierMaxBytes);

// `text` made safe for one line of an SQL `--` comment: control characters
// (a newline would end the comment and make the rest a live statement) are
// written as \xNN.
std::string CommentText(std::string_view text);

// Name of the temporary column that holds the new shape of `column` while an
// alter_column is in progress.
std::string TemporaryColumnName(const std::string& column);

// Name of the CHECK (column IS NOT NULL) NOT VALID constraint that enforces
// NOT NULL for new writes until complete validates it and sets NOT NULL.
std::string NotNullCheckName(const std::string& column);

}  // namespace zs::ops
