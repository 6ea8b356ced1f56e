// The session's enums and their names: the strings ODK's engine uses, which the CLI and the
// oracle's JSON format (fill_script.cpp) write. One table per enum, read both ways.
#include <array>
#include <utility>

#include "khaosat/core/form_session.hpp"

namespace khaosat::core {

namespace {

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return {};
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view text) {
  for (const auto& [e, name] : table)
    if (name == text) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<NodeType, std::string_view>, 13> kNodeTypes{{
    {NodeType::Root, "root"},
    {NodeType::Group, "group"},
    {NodeType::Repeat, "repeat"},
    {NodeType::RepeatInstance, "repeat-instance"},
    {NodeType::Input, "input"},
    {NodeType::Select1, "select1"},
    {NodeType::Select, "select"},
    {NodeType::Note, "note"},
    {NodeType::Trigger, "trigger"},
    {NodeType::Range, "range"},
    {NodeType::Rank, "rank"},
    {NodeType::Upload, "upload"},
    {NodeType::Model, "model"},
}};

constexpr std::array<std::pair<DataType, std::string_view>, 13> kDataTypes{{
    {DataType::String, "string"},
    {DataType::Int, "int"},
    {DataType::Decimal, "decimal"},
    {DataType::Date, "date"},
    {DataType::Time, "time"},
    {DataType::DateTime, "dateTime"},
    {DataType::Boolean, "boolean"},
    {DataType::Geopoint, "geopoint"},
    {DataType::Geotrace, "geotrace"},
    {DataType::Geoshape, "geoshape"},
    {DataType::Binary, "binary"},
    {DataType::Barcode, "barcode"},
    {DataType::Intent, "intent"},
}};

constexpr std::array<std::pair<ViolationCondition, std::string_view>, 2> kConditions{{
    {ViolationCondition::Constraint, "constraint"},
    {ViolationCondition::Required, "required"},
}};

constexpr std::array<std::pair<MediaType, std::string_view>, 5> kMediaTypes{{
    {MediaType::None, ""},
    {MediaType::Image, "image"},
    {MediaType::Audio, "audio"},
    {MediaType::Video, "video"},
    {MediaType::File, "file"},
}};

}  // namespace

std::string_view to_string(NodeType type) { return name_of(kNodeTypes, type); }
std::optional<NodeType> parse_node_type(std::string_view text) { return value_of(kNodeTypes, text); }
bool has_choices(NodeType type) {
  return type == NodeType::Select1 || type == NodeType::Select || type == NodeType::Rank;
}

std::string_view to_string(DataType type) { return name_of(kDataTypes, type); }
std::optional<DataType> parse_data_type(std::string_view text) { return value_of(kDataTypes, text); }

std::string_view to_string(ViolationCondition condition) { return name_of(kConditions, condition); }
std::optional<ViolationCondition> parse_violation_condition(std::string_view text) {
  return value_of(kConditions, text);
}

std::string_view to_string(MediaType type) { return name_of(kMediaTypes, type); }

}  // namespace khaosat::core
