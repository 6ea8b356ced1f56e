// khaosat_bench_form: form-engine benchmarks, run by `scripts/bench form`. Each scenario runs in
// its own process so that its peak memory (ru_maxrss) is its own.
//
//   khaosat_bench_form load FORM [N]       load + start a session N times (median, min, max ms)
//   khaosat_bench_form pugixml FORM [N]    only parse the XML with pugixml, N times
//   khaosat_bench_form answer [QUESTIONS]  generated form: time of one answer's recompute
//   khaosat_bench_form repeat [INSTANCES]  a repeat with INSTANCES instances: add one more
//   khaosat_bench_form self_count [N]      a jr:count repeat of N whose calculation reads its
//                                          own node (coalesce(., 'x')): start, and set N again
//
// Prints one JSON object per run on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "khaosat/core/form_session.hpp"

using khaosat::core::FormSession;
using nlohmann::json;
using khaosat::bench::Clock;
using khaosat::bench::ms_since;
using khaosat::bench::peak_rss_kb;
using khaosat::bench::stats;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kHead =
    R"(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:jr="http://openrosa.org/javarosa">
<h:head><h:title>generated</h:title><model>
)";

// QUESTIONS questions in blocks of 10: a cascading select pair (province -> district, filtered
// by a secondary instance), a relevance chain (each int relevant when the one before it is
// positive), and calculations summing the block and the whole form.
std::string generated_form(int questions) {
  int blocks = std::max(1, questions / 10);
  std::ostringstream inst, binds, body, items;
  inst << "<instance><data id=\"gen\">";
  for (int b = 0; b < blocks; ++b) {
    inst << "<b" << b << "><p/><d/>";
    for (int q = 0; q < 6; ++q) inst << "<q" << q << "/>";
    inst << "<sum/><flag/></b" << b << ">";
    std::string base = "/data/b" + std::to_string(b);
    binds << "<bind nodeset=\"" << base << "/p\" type=\"string\"/>";
    binds << "<bind nodeset=\"" << base << "/d\" type=\"string\" required=\"true()\"/>";
    for (int q = 0; q < 6; ++q) {
      binds << "<bind nodeset=\"" << base << "/q" << q << "\" type=\"int\" constraint=\". &gt;= 0\"";
      if (q > 0) binds << " relevant=\"../q" << (q - 1) << " &gt; 0\"";
      binds << "/>";
    }
    binds << "<bind nodeset=\"" << base << "/sum\" type=\"int\" calculate=\"../q0 + ../q1 + ../q2 + "
          << "../q3 + ../q4 + ../q5\"/>";
    binds << "<bind nodeset=\"" << base << "/flag\" calculate=\"if(../sum &gt; 100, 'big', 'small')\"/>";
    body << "<group ref=\"" << base << "\"><select1 ref=\"" << base << "/p\"><itemset nodeset=\"instance('geo')/root/p\"><value ref=\"id\"/><label ref=\"name\"/></itemset></select1>";
    body << "<select1 ref=\"" << base << "/d\"><itemset nodeset=\"instance('geo')/root/d[p = current()/../p]\"><value ref=\"id\"/><label ref=\"name\"/></itemset></select1>";
    for (int q = 0; q < 6; ++q) body << "<input ref=\"" << base << "/q" << q << "\"/>";
    body << "</group>";
  }
  inst << "<total/></data></instance>";
  binds << "<bind nodeset=\"/data/total\" type=\"int\" calculate=\"sum(/data/*/sum)\"/>";
  items << "<instance id=\"geo\"><root>";
  for (int p = 0; p < 20; ++p) {
    items << "<p><id>p" << p << "</id><name>Province " << p << "</name></p>";
    for (int d = 0; d < 10; ++d)
      items << "<d><id>p" << p << "d" << d << "</id><p>p" << p << "</p><name>District " << d
            << "</name></d>";
  }
  items << "</root></instance>";
  return std::string(kHead) + inst.str() + items.str() + binds.str() + "</model></h:head><h:body>" +
         body.str() + "</h:body></h:html>";
}

std::string repeat_form() {
  return std::string(kHead) +
         "<instance><data id=\"rep\"><r jr:template=\"\"><name/><age/><adult/><pos/></r><n/><adults/></data></instance>"
         "<bind nodeset=\"/data/r/age\" type=\"int\" constraint=\". &lt; 120\"/>"
         "<bind nodeset=\"/data/r/adult\" calculate=\"if(../age &gt;= 18, 'yes', 'no')\"/>"
         "<bind nodeset=\"/data/r/pos\" calculate=\"position(..)\"/>"
         "<bind nodeset=\"/data/n\" type=\"int\" calculate=\"count(/data/r)\"/>"
         "<bind nodeset=\"/data/adults\" type=\"int\" calculate=\"count(/data/r[adult = 'yes'])\"/>"
         "</model></h:head><h:body><repeat nodeset=\"/data/r\"><input ref=\"/data/r/name\"/>"
         "<input ref=\"/data/r/age\"/></repeat></h:body></h:html>";
}

// jr:count instances, each with a calculation that reads its own node: "this node only"
// dependencies keep it linear (it re-ran every instance on each instance's change before).
std::string self_count_form() {
  return std::string(kHead) +
         "<instance><data id=\"selfcount\"><n/><r jr:template=\"\"><v/><w/></r></data></instance>"
         "<bind nodeset=\"/data/n\" type=\"int\"/>"
         "<bind nodeset=\"/data/r/v\" calculate=\"coalesce(., 'x')\"/>"
         "<bind nodeset=\"/data/r/w\" calculate=\"concat(../v, position(..))\"/>"
         "</model></h:head><h:body><input ref=\"/data/n\"/>"
         "<repeat nodeset=\"/data/r\" jr:count=\"/data/n\"><input ref=\"/data/r/v\"/></repeat>"
         "</h:body></h:html>";
}

int die(const std::string& what) {
  std::cerr << "khaosat_bench_form: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty() || a[0] == "--help" || a[0] == "-h") {
    std::cout << "usage: khaosat_bench_form load FORM [N] | pugixml FORM [N] | answer [QUESTIONS]"
                 " | repeat [INSTANCES] | self_count [N]\n";
    return a.empty() ? 2 : 0;
  }
  json out = {{"scenario", a[0]}};
  if (a[0] == "load" || a[0] == "pugixml") {
    if (a.size() < 2) return die("which form?");
    int n = a.size() > 2 ? std::stoi(a[2]) : 20;
    std::vector<double> times;
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      if (a[0] == "pugixml") {
        std::string text = read_file(a[1]);
        pugi::xml_document doc;
        if (!doc.load_buffer(text.data(), text.size())) return die("bad XML");
      } else {
        auto form = khaosat::core::load_form(a[1]);
        if (!form) return die(form.error().message);
        auto s = FormSession::start(*form);
        if (!s) return die(s.error().message);
      }
      times.push_back(ms_since(t0));
    }
    out["form"] = a[1];
    out["load"] = stats(times);
    out["all_ms"] = times;
  } else if (a[0] == "answer") {
    int questions = a.size() > 1 ? std::stoi(a[1]) : 1000;
    auto form = khaosat::core::load_form_xml(generated_form(questions), "generated.xml");
    if (!form) return die(form.error().message);
    auto t0 = Clock::now();
    auto session = FormSession::start(*form);
    if (!session) return die(session.error().message);
    out["start_ms"] = ms_since(t0);
    FormSession& s = **session;
    int blocks = std::max(1, questions / 10);
    std::vector<double> ints, cascades, chain;
    for (int round = 0; round < 3; ++round) {
      for (int b = 0; b < blocks; b += 7) {
        std::string base = "/data/b" + std::to_string(b);
        auto t1 = Clock::now();
        if (!s.answer(base + "/p", "p" + std::to_string((b + round) % 20))) return die("answer p");
        cascades.push_back(ms_since(t1));
        t1 = Clock::now();
        if (!s.answer(base + "/q3", std::to_string(b + round))) return die("answer q3");
        ints.push_back(ms_since(t1));
        t1 = Clock::now();
        if (!s.answer(base + "/q0", round % 2 ? "0" : "5")) return die("answer q0");
        chain.push_back(ms_since(t1));
      }
    }
    out["questions"] = blocks * 10;
    out["nodes"] = s.nodes().size();
    out["answer_int"] = stats(ints);
    out["answer_cascading_select"] = stats(cascades);
    out["answer_relevance_chain"] = stats(chain);
  } else if (a[0] == "repeat") {
    int instances = a.size() > 1 ? std::stoi(a[1]) : 500;
    auto form = khaosat::core::load_form_xml(repeat_form(), "repeat.xml");
    if (!form) return die(form.error().message);
    auto session = FormSession::start(*form);
    if (!session) return die(session.error().message);
    FormSession& s = **session;
    auto t0 = Clock::now();
    for (int i = 0; i < instances; ++i)
      if (!s.add_repeat("/data/r")) return die("add_repeat");
    out["fill_ms"] = ms_since(t0);
    std::vector<double> adds, answers;
    for (int i = 0; i < 20; ++i) {
      auto t1 = Clock::now();
      if (!s.add_repeat("/data/r")) return die("add_repeat");
      adds.push_back(ms_since(t1));
      t1 = Clock::now();
      if (!s.answer("/data/r[" + std::to_string(instances / 2 + i) + "]/age", "30"))
        return die("answer age");
      answers.push_back(ms_since(t1));
    }
    out["instances"] = instances;
    out["add_one_more"] = stats(adds);
    out["answer_in_repeat"] = stats(answers);
  } else if (a[0] == "self_count") {
    int n = a.size() > 1 ? std::stoi(a[1]) : 1500;
    auto form = khaosat::core::load_form_xml(self_count_form(), "self_count.xml");
    if (!form) return die(form.error().message);
    auto session = FormSession::start(*form);
    if (!session) return die(session.error().message);
    FormSession& s = **session;
    auto t0 = Clock::now();
    if (!s.answer("/data/n", std::to_string(n))) return die("answer n");
    out["grow_ms"] = ms_since(t0);
    // jr:count is capped at 10,000 instances (the repeat's snapshot says so).
    int made = s.node("/data/r")->count;
    if (s.node("/data/r[" + std::to_string(made) + "]/v")->value != "x") return die("not computed");
    t0 = Clock::now();
    if (!s.answer("/data/r[1]/v", "y")) return die("answer v");
    out["answer_one_ms"] = ms_since(t0);
    out["asked"] = n;
    out["instances"] = made;
    out["warning"] = s.node("/data/r")->warning;
  } else {
    return die("unknown scenario '" + a[0] + "'");
  }
  out["peak_rss_kb"] = peak_rss_kb();
  std::cout << out.dump() << "\n";
  return 0;
}
