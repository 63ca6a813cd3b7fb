// The registry of operations (registry.h): one format and one class per
// alternative of migration::OperationBody, and the column swap's phases
// failing loudly when their layout cannot be built.
#include "ops/registry.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "ops/alter_column/alter_column.h"
#include "ops/operation.h"

namespace zs::ops {
namespace {

constexpr size_t kBodies = std::variant_size_v<migration::OperationBody>;

template <size_t... I, typename F>
void ForEachBody(std::index_sequence<I...>, F check) {
  (check(migration::OperationBody(std::in_place_index<I>)), ...);
}

TEST(OperationRegistry, HasOneFormatPerBodyInItsOrder) {
  std::span<const OperationFormat> formats = OperationFormats();
  ASSERT_EQ(formats.size(), kBodies);
  std::set<std::string_view> kinds;
  for (size_t i = 0; i < formats.size(); ++i) {
    EXPECT_EQ(formats[i].index, i) << formats[i].kind;
    EXPECT_TRUE(kinds.insert(formats[i].kind).second) << formats[i].kind;
  }
}

TEST(OperationRegistry, MakesAClassForEveryBody) {
  ForEachBody(std::make_index_sequence<kBodies>{}, [](const migration::OperationBody& body) {
    Result<std::unique_ptr<Operation>> made = MakeOperation({.body = body});
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    EXPECT_NE(made->get(), nullptr) << OperationFormats()[body.index()].kind;
  });
}

TEST(ColumnSwapPhases, FailWhenTheLayoutCannotBeBuilt) {
  AlterColumn op({.table = "missing", .column = "c", .nullable = true});
  schema::Schema schema{.name = "public"};
  OpContext ctx{.before = &schema, .after = &schema, .where = "m.yaml:1:1 alter_column"};
  EXPECT_FALSE(op.Validate(ctx).ok());
  EXPECT_FALSE(op.Start(ctx).ok());
  EXPECT_FALSE(op.Backfill(ctx).ok());
  EXPECT_FALSE(op.Complete(ctx).ok());
  EXPECT_FALSE(op.Rollback(ctx).ok());
}

}  // namespace
}  // namespace zs::ops
