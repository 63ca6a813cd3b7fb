// What concurrent clients wrote, by row id, and the errors they met: every client
// thread of a lost-write test records into one (the engine's, the pooler's and
// MariaDB's concurrency tests). Row is what the test checks a row against.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace zs::testing {

template <typename Row>
class WriteLog {
 public:
  void Set(long long id, Row row) {
    std::lock_guard<std::mutex> lock(mu_);
    rows_[id] = std::move(row);
  }
  void Error(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.push_back(message);
  }
  std::map<long long, Row> rows() {
    std::lock_guard<std::mutex> lock(mu_);
    return rows_;
  }
  std::vector<std::string> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::map<long long, Row> rows_;
  std::vector<std::string> errors_;
};

}  // namespace zs::testing
