// The fuzz targets' entry points, shared by the libFuzzer binaries (tests/fuzz/fuzz_*.cpp) and
// by the regression replay in the doctest suite (tests/core/fuzz_regressions_test.cpp), so a
// saved crash input goes through exactly the code the fuzzer ran, with or without libFuzzer.
//
// Each entry point feeds arbitrary bytes to the engine and returns normally whatever they hold.
// Bad input must come back as an Error or an EvalError, which the entry points swallow; anything
// else (a crash, a sanitizer report, an escaping exception of another type) is a bug that the
// fuzzer reports. Not thread-safe: the entry points cache parsed fixtures in statics.
#pragma once

#include <string_view>

namespace khaosat::fuzz {

// Parses the input as an XPath expression; when it parses, evaluates it at a few nodes of a
// small fixed instance (a primary instance with a repeat, a secondary instance "cities") with a
// deterministic Environment, and runs the static analyses (dependencies, volatility, path text).
void run_xpath(std::string_view input);

// Loads the input as an XForm; when it loads, starts a session, reads nodes() and
// instance_xml(), answers every leaf a few times with values taken from the input, adds and
// removes a repeat instance, then validates and serializes again.
void run_xform(std::string_view input);

// The first byte picks one of a fixed set of conformance forms. When the rest starts with '[' it
// is a JSON step script for parse_script(); otherwise it is decoded as compact binary steps
// (see fuzz_entries.cpp) over the form's node references. The script runs through run_fill().
void run_session_script(std::string_view input);

// Reads the input as a pyxform markdown workbook and compiles it (the XLSForm compiler,
// core/src/xlsform/compiler*.cpp); when it compiles, the XForm written must load and run as
// in run_xform — a compiled form the loader refuses (except for a calculation cycle, the
// designer's mistake) is a compiler bug, reported by abort().
void run_xlsform(std::string_view input);

// Reads the input as an .xlsx workbook, and also as pyxform markdown and CSV
// (core/src/xlsform/workbook.hpp), with limits tight enough for libFuzzer's memory bound.
void run_xlsx(std::string_view input);

}  // namespace khaosat::fuzz
