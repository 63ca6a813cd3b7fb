// The man page and the bash completion script, generated from the CLI11
// application itself (its commands, flags and help texts), so that neither can
// drift from `zeroshift --help`. The build runs the hidden commands
// `zeroshift help-man FILE` and `zeroshift help-bash-completion FILE`; `make
// install` and `make deb` install what they wrote.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace zs::cli {

// The man page (roff, man(7) macros) of `app` and every visible subcommand.
std::string ManPage(const CLI::App& app, const std::string& version);

// A bash completion script for `app`: subcommand names at each level, then
// their flags (with the global ones, which may follow a command).
std::string BashCompletion(const CLI::App& app);

// `text` escaped for roff: backslashes, hyphens, and a leading `.` or `'`.
std::string RoffEscape(const std::string& text);

}  // namespace zs::cli
