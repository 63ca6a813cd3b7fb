#include "lint/source.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>

#include "lint/lexer.h"

namespace zs::lint {
namespace {

constexpr std::string_view kDirectiveMarker = "zeroshift-lint";
constexpr size_t kLargeStackBytes = size_t{512} << 20;

uint32_t SkipSpaceAndComments(std::string_view text, uint32_t from, uint32_t limit) {
  Lexer lexer(text.substr(0, limit), from);
  Token token;
  return lexer.NextCode(token) ? token.begin : limit;
}

}  // namespace

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

LineIndex::Position LineIndex::At(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  size_t line = static_cast<size_t>(it - starts_.begin());  // 1-based
  uint32_t start = starts_[line - 1];
  int column = 1;
  for (uint32_t i = start; i < offset; ++i) {
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  return {static_cast<int>(line), column};
}

std::string_view LineIndex::Line(int line) const {
  if (line < 1 || static_cast<size_t>(line) > starts_.size()) return "";
  uint32_t start = starts_[line - 1];
  uint32_t end = static_cast<size_t>(line) < starts_.size() ? starts_[line] - 1
                                                            : static_cast<uint32_t>(text_.size());
  std::string_view out = text_.substr(start, end - start);
  if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
  return out;
}

SplitResult SplitStatements(std::string_view text) {
  SplitResult result;
  Lexer lexer(text);
  Token token;
  bool open = false;
  Piece piece;
  bool starts_with_create = false;
  bool previous_was_begin = false;
  int atomic_depth = 0;  // inside BEGIN ATOMIC: CASE ... END pairs and the body's END
  uint32_t last_end = 0;
  while (lexer.Next(token)) {
    if (token.IsComment()) {
      if (token.Text(text).find(kDirectiveMarker) != std::string_view::npos) {
        result.directives.push_back({token.begin, token.end});
      }
      continue;
    }
    if (!open) {
      open = true;
      piece = Piece{token.begin, token.end, 0};
      starts_with_create = IsKeyword(text, token, "CREATE");
      previous_was_begin = false;
      atomic_depth = 0;
    }
    last_end = token.end;
    if (token.kind == TokenKind::kWord || token.kind == TokenKind::kOperator) ++piece.weight;
    if (token.kind == TokenKind::kPunct && text[token.begin] == ';' && atomic_depth == 0) {
      piece.end = token.end;
      result.pieces.push_back(piece);
      open = false;
      continue;
    }
    if (starts_with_create && token.kind == TokenKind::kWord) {
      if (previous_was_begin && IsKeyword(text, token, "ATOMIC")) {
        ++atomic_depth;
      } else if (atomic_depth > 0 && IsKeyword(text, token, "CASE")) {
        ++atomic_depth;
      } else if (atomic_depth > 0 && IsKeyword(text, token, "END")) {
        --atomic_depth;
      }
      previous_was_begin = IsKeyword(text, token, "BEGIN");
    } else {
      previous_was_begin = false;
    }
  }
  if (open) {
    piece.end = last_end;
    result.pieces.push_back(piece);
  }
  return result;
}

uint32_t Statement::Offset(int64_t location) const {
  if (location < 0) return begin;
  uint64_t offset = static_cast<uint64_t>(piece_begin) + static_cast<uint64_t>(location);
  return static_cast<uint32_t>(std::clamp<uint64_t>(offset, begin, std::max(begin, end)));
}

uint32_t Statement::OffsetOf(JsonValue body_with_location) const {
  return Offset(body_with_location["location"].int_or(-1));
}

std::vector<Statement> ParsePiece(std::string_view text, const Piece& piece) {
  std::vector<Statement> out;
  Statement base;
  base.begin = piece.begin;
  base.end = piece.end;
  base.text = text.substr(piece.begin, piece.end - piece.begin);
  base.piece_begin = piece.begin;
  if (piece.weight > kMaxStatementWeight) {
    base.error = "statement too large to analyse (" + std::to_string(piece.weight) +
                 " words and operators, the limit is " + std::to_string(kMaxStatementWeight) + ")";
    base.error_offset = piece.begin;
    out.push_back(std::move(base));
    return out;
  }
  // The text up to a NUL byte: all the parser has ever been shown of such a
  // statement (it reads a C string); a finding still covers the whole piece.
  std::string_view sql = base.text.substr(0, base.text.find('\0'));
  sqlparse::SyntaxError syntax;
  Result<sqlparse::ParseTree> parsed = sqlparse::Parse(sql, &syntax);
  if (!parsed.ok()) {
    base.error = syntax.message;
    base.error_offset = piece.begin + sqlparse::CursorToByte(base.text, syntax.cursor);
    out.push_back(std::move(base));
    return out;
  }
  JsonValue stmts = parsed->statements();
  for (JsonValue raw_stmt : stmts) {
    Statement stmt = base;
    stmt.piece = *parsed;
    stmt.node = raw_stmt["stmt"];
    stmt.type = stmt.node.type();
    stmt.body = stmt.node.inner();
    if (stmts.size() > 1) {
      sqlparse::Extent extent = sqlparse::StatementExtent(raw_stmt);
      uint32_t from = piece.begin + static_cast<uint32_t>(extent.begin);
      uint32_t to = extent.length > 0 ? from + static_cast<uint32_t>(extent.length) : piece.end;
      to = std::min(to, piece.end);
      from = SkipSpaceAndComments(text, std::min(from, to), to);
      stmt.begin = from;
      stmt.end = to;
      stmt.text = text.substr(from, to - from);
    }
    out.push_back(std::move(stmt));
  }
  return out;
}

namespace {

// One thread with a large stack, started on first use and kept for the life of
// the process: creating a 512 MiB-stack thread per file costs little, but under
// AddressSanitizer each thread exit clears the stack's shadow memory, which made
// the fuzzer run 30 inputs a second. Jobs run one at a time.
class LargeStackWorker {
 public:
  // Never destroyed: the thread may still wait on the condition variable when
  // static destructors run at exit.
  static LargeStackWorker& Get() {
    static LargeStackWorker* worker = new LargeStackWorker();
    return *worker;
  }

  void Run(const std::function<void()>& fn) {
    std::lock_guard<std::mutex> one_job(callers_);
    if (!Start()) {
      fn();  // no thread available: run here, with the ordinary stack
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    job_ = &fn;
    error_ = nullptr;
    done_ = false;
    cv_.notify_all();
    cv_.wait(lock, [this] { return done_; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  static bool OnWorker() { return on_worker_; }

 private:
  bool Start() {
    if (started_) return true;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kLargeStackBytes);
    pthread_t thread;
    started_ = pthread_create(&thread, &attr, &LargeStackWorker::Main, this) == 0;
    pthread_attr_destroy(&attr);
    if (started_) pthread_detach(thread);
    return started_;
  }

  static void* Main(void* arg) {
    auto* self = static_cast<LargeStackWorker*>(arg);
    on_worker_ = true;
    std::unique_lock<std::mutex> lock(self->mu_);
    while (true) {
      self->cv_.wait(lock, [self] { return self->job_ != nullptr && !self->done_; });
      try {
        (*self->job_)();
      } catch (...) {
        self->error_ = std::current_exception();  // rethrown on the caller's thread
      }
      self->done_ = true;
      self->cv_.notify_all();
    }
  }

  std::mutex callers_;
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* job_ = nullptr;
  bool done_ = false;
  std::exception_ptr error_;
  bool started_ = false;
  static thread_local bool on_worker_;
};

thread_local bool LargeStackWorker::on_worker_ = false;

}  // namespace

void RunOnLargeStack(const std::function<void()>& fn) {
  if (LargeStackWorker::OnWorker()) {
    fn();  // already on the large stack
    return;
  }
  LargeStackWorker::Get().Run(fn);
}

}  // namespace zs::lint
