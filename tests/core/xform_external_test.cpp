// The XForm loader's external secondary instances: CSV, GeoJSON and XML attachments, lookup in
// the form's directory and the media directories, and missing attachments.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "xform/external_data.hpp"
#include "xform/form_def.hpp"

using namespace khaosat::core;
namespace fs = std::filesystem;

namespace {

// A temporary directory removed at scope exit.
class ScopedDir {
 public:
  ScopedDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("khaosat_xform_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~ScopedDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& content) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

std::string form_with_instance(const std::string& src) {
  return R"X(<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">
<h:head><h:title>T</h:title><model>
<instance><data id="f"><a/></data></instance>
<instance id="ext" src=")X" + src + R"X("/>
</model></h:head><h:body/></h:html>)X";
}

std::string csv_values(const Tree& t) {
  std::string out;
  for (const Node* item : t.root()->children) {
    for (const Node* c : item->children) out += std::string(c->name) + "=" + c->value + ";";
    out += "|";
  }
  return out;
}

Result<std::shared_ptr<const FormDef>> load_in(const ScopedDir& dir, const std::string& src,
                                               LoadOptions opts = {}) {
  dir.write("form.xml", form_with_instance(src));
  return load_xform_file((dir.path() / "form.xml").string(), opts);
}

}  // namespace

TEST_CASE("xform csv: header, quoting, BOM, trailing cells") {
  Tree t;
  REQUIRE(xform_detail::csv_to_tree("\xEF\xBB\xBFname,label\r\n"
                                    "a,\"x, \"\"y\"\"\"\n"
                                    "b,\"multi\nline\"\n"
                                    "c\n"
                                    "d,e,,\n\n\n",
                                    "t.csv", t)
              .ok());
  CHECK(t.root()->name == "root");
  CHECK(csv_values(t) ==
        "name=a;label=x, \"y\";|name=b;label=multi\nline;|name=c;label=;|name=d;label=e;|");
}

TEST_CASE("xform csv: delimiter guessed from the header") {
  Tree t;
  REQUIRE(xform_detail::csv_to_tree("a;b\n1;2,5\n", "t.csv", t).ok());
  CHECK(csv_values(t) == "a=1;b=2,5;|");
  Tree u;
  REQUIRE(xform_detail::csv_to_tree("a\tb\n1\t2\n", "t.csv", u).ok());
  CHECK(csv_values(u) == "a=1;b=2;|");
  Tree v;
  REQUIRE(xform_detail::csv_to_tree("only\n1\n", "t.csv", v).ok());
  CHECK(csv_values(v) == "only=1;|");
  Tree w;
  REQUIRE(xform_detail::csv_to_tree("a,b\n", "t.csv", w).ok());
  CHECK(w.root()->children.empty());
}

TEST_CASE("xform csv: errors") {
  Tree t;
  auto st = xform_detail::csv_to_tree("a,b\n1,2,3\n", "t.csv", t);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("row 1, expected 2 columns, got 3") != std::string::npos);
  CHECK(st.error().message.find("t.csv") != std::string::npos);
  Tree u;
  CHECK_FALSE(xform_detail::csv_to_tree("a,b\n\"1,2\n", "t.csv", u).ok());
  Tree v;
  CHECK_FALSE(xform_detail::csv_to_tree(std::string("a,b\n1,\0\n", 8), "t.csv", v).ok());
}

TEST_CASE("xform geojson: features to items") {
  Tree t;
  auto st = xform_detail::geojson_to_tree(R"X({"type":"FeatureCollection","features":[
    {"type":"Feature","geometry":{"type":"Point","coordinates":[102.5,0.5]},"id":"f1",
     "properties":{"name":"A","n":1.0,"b":true,"z":null,"id":"ignored"}},
    {"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},
     "properties":{"id":7}},
    {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]},
     "properties":null}]})X",
                                          "g.geojson", t);
  REQUIRE(st.ok());
  const Node* root = t.root();
  REQUIRE(root->children.size() == 3);
  const Node* i0 = root->children[0];
  REQUIRE(i0->children.size() == 6);
  CHECK(i0->children[0]->name == "geometry");
  CHECK(i0->children[0]->value == "0.5 102.5 0 0");
  CHECK(i0->children[1]->name == "id");
  CHECK(i0->children[1]->value == "f1");
  CHECK(i0->children[2]->name == "name");
  CHECK(i0->children[3]->value == "1");
  CHECK(i0->children[4]->name == "b");
  CHECK(i0->children[4]->value == "true");
  CHECK(i0->children[5]->name == "z");
  CHECK(i0->children[5]->value == "null");
  const Node* i1 = root->children[1];
  CHECK(i1->children[0]->value == "2 1 0 0; 4 3 0 0");
  CHECK(i1->children[1]->value == "7");
  const Node* i2 = root->children[2];
  REQUIRE(i2->children.size() == 1);
  CHECK(i2->children[0]->value == "2 1 0 0; 4 3 0 0; 2 1 0 0");
}

TEST_CASE("xform geojson: errors") {
  auto bad = [](const std::string& s) {
    Tree t;
    return !xform_detail::geojson_to_tree(s, "g.geojson", t).ok();
  };
  CHECK(bad("not json"));
  CHECK(bad("[]"));
  CHECK(bad(R"X({"type":"Feature"})X"));
  CHECK(bad(R"X({"type":"FeatureCollection","features":{}})X"));
  CHECK(bad(R"X({"type":"FeatureCollection","features":[{"type":"Point"}]})X"));
  CHECK(bad(R"X({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
     "geometry":{"type":"MultiPoint","coordinates":[[1,2]]}}]})X"));
  CHECK(bad(R"X({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
     "geometry":{"type":"Point","coordinates":[1,2,3]}}]})X"));
  CHECK(bad(R"X({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
     "id":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}}]})X"));
}

TEST_CASE("xform geojson: JavaScript number printing") {
  using xform_detail::js_number_to_string;
  CHECK(js_number_to_string(1.0) == "1");
  CHECK(js_number_to_string(-0.5) == "-0.5");
  CHECK(js_number_to_string(102.123456789) == "102.123456789");
  CHECK(js_number_to_string(1e21) == "1e+21");
  CHECK(js_number_to_string(1e-7) == "1e-7");
  CHECK(js_number_to_string(0.000001) == "0.000001");
  CHECK(js_number_to_string(123456789012.0) == "123456789012");
}

TEST_CASE("xform loader: attachments from the form directory and media dirs") {
  ScopedDir dir;
  dir.write("towns.csv", "name,label\na,A\n");
  auto r = load_in(dir, "jr://file-csv/towns.csv");
  REQUIRE(r.ok());
  REQUIRE((*r)->secondary.size() == 1);
  CHECK((*r)->secondary[0].src == "jr://file-csv/towns.csv");
  CHECK(csv_values(*(*r)->secondary[0].tree) == "name=a;label=A;|");

  ScopedDir media;
  media.write("places.xml", "<root><item><name>x</name></item></root>");
  media.write("shapes.geojson", R"X({"type":"FeatureCollection","features":[]})X");
  LoadOptions opts;
  opts.media_dirs.push_back(media.path().string());
  auto x = load_in(dir, "jr://file/places.xml", opts);
  REQUIRE(x.ok());
  CHECK((*x)->secondary[0].tree->root()->children[0]->children[0]->value == "x");
  auto g = load_in(dir, "jr://file/shapes.geojson", opts);
  REQUIRE(g.ok());
  CHECK((*g)->secondary[0].tree->root()->name == "root");
}

TEST_CASE("xform loader: missing attachment is an error, or blank when asked") {
  ScopedDir dir;
  auto r = load_in(dir, "jr://file/towns.xml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::form_attachment);
  CHECK(r.error().message.find("jr://file/towns.xml") != std::string::npos);
  CHECK(r.error().message.find((dir.path() / "towns.xml").string()) != std::string::npos);

  LoadOptions blank;
  blank.missing_blank = true;
  auto b = load_in(dir, "jr://file/towns.xml", blank);
  REQUIRE(b.ok());
  CHECK((*b)->secondary[0].tree->root() == nullptr);

  auto ls = load_in(dir, "jr://instance/last-saved");
  REQUIRE(ls.ok());
  CHECK((*ls)->secondary[0].tree->root() == nullptr);

  dir.write("bad.xml", "<root><unclosed></root>");
  auto bad = load_in(dir, "jr://file/bad.xml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == ErrorCode::form_attachment);
  CHECK(bad.error().message.find("bad.xml") != std::string::npos);

  dir.write("bad.csv", "a,b\n1,2,3\n");
  auto badcsv = load_in(dir, "jr://file-csv/bad.csv");
  REQUIRE_FALSE(badcsv.ok());
  CHECK(badcsv.error().message.find("row 1") != std::string::npos);
}
