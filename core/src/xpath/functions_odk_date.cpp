// ODK date functions: today, now, date / date-time, decimal-date-time, decimal-time,
// format-date, format-date-time; and ODK's date model (parse_date_time, date_value_string).
//
// [SECTION] Civil calendar arithmetic
// [SECTION] Time zone: local wall time <-> instant through Environment::tz_offset_minutes
// [SECTION] Parsing: ODK's dateTimeFromString
// [SECTION] Printing: ODK's date value strings and format-date tokens
// [SECTION] Functions and table
//
// ODK parses a dateTime with an explicit numeric offset through JavaScript's Date (lenient:
// 30 February rolls over, invalid fields give "Invalid Date", fractions are cut to
// milliseconds) and everything else through Temporal (strict: invalid fields throw, :60
// becomes :59, up to nanoseconds). Both paths are reproduced here because forms see the
// difference. Results are always expressed in the Environment's time zone.
#include <array>
#include <cmath>

#include "xpath/functions.hpp"
#include "xpath/functions_odk.hpp"

namespace khaosat::core::xpath::detail::odk {
namespace {

constexpr std::int64_t kDayMsInt = 86'400'000;

// [SECTION] Civil calendar arithmetic ---------------------------------------------------------

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(std::int64_t y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date. Counts in 400-year eras starting on
// 1 March so that the leap day falls at the end of each year.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  const std::int64_t year = m <= 2 ? y - 1 : y;
  const std::int64_t era = floor_div(year, 400);
  const std::int64_t year_of_era = year - era * 400;
  const int month_from_march = m > 2 ? m - 3 : m + 9;
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct Civil {
  std::int64_t year;
  int month, day;
};

Civil civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t day_of_era = z - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t mp = (5 * day_of_year + 2) / 153;
  const int day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// [SECTION] Time zone ------------------------------------------------------------------------

int offset_at(Environment& env, std::int64_t epoch_ms) {
  return env.tz_offset_minutes(static_cast<double>(epoch_ms));
}

// Local wall-clock milliseconds (as if UTC) -> instant. Around a transition the offset in force
// at the first guess decides, which picks the earlier instant of a repeated hour.
std::int64_t local_to_epoch(Environment& env, std::int64_t local_ms) {
  const int first = offset_at(env, local_ms);
  const std::int64_t guess = local_ms - std::int64_t{first} * 60000;
  const int second = offset_at(env, guess);
  return second == first ? guess : local_ms - std::int64_t{second} * 60000;
}

// The wall clock at an instant in the Environment's zone.
struct LocalTime {
  Civil date;
  int hour, minute, second, millisecond;
  std::int32_t sub_ms_ns;
  int offset_minutes;
  int weekday;  // 0 = Sunday
};

LocalTime to_local(const Instant& t, Environment& env) {
  const int offset = offset_at(env, t.ms);
  const std::int64_t local = t.ms + std::int64_t{offset} * 60000;
  const std::int64_t days = floor_div(local, kDayMsInt);
  const auto in_day = static_cast<int>(floor_mod(local, kDayMsInt));
  return {civil_from_days(days), in_day / 3600000, in_day / 60000 % 60, in_day / 1000 % 60,
          in_day % 1000, t.sub_ms_ns, offset, static_cast<int>(floor_mod(days + 4, 7))};
}

// [SECTION] Parsing --------------------------------------------------------------------------

struct Fields {
  std::int64_t year = 0;
  int month = 0, day = 0;
  bool has_time = false;
  int hour = 0;
  std::optional<int> minute, second;
  std::string fraction;  // digits after '.', possibly empty
  enum class Zone : std::uint8_t { Local, Utc, Offset } zone = Zone::Local;
  int offset_sign = 1, offset_hours = 0, offset_minutes = 0;
};

bool take_digits(std::string_view s, std::size_t& i, std::size_t n, int& out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  i += n;
  return true;
}

// Matches ^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[-+]\d{2}:\d{2})?)?$
std::optional<Fields> split_fields(std::string_view s) {
  Fields f;
  std::size_t i = 0;
  int year = 0;
  auto expect = [&](char c) { return i < s.size() && s[i] == c ? (++i, true) : false; };
  if (!take_digits(s, i, 4, year) || !expect('-') || !take_digits(s, i, 2, f.month) || !expect('-') ||
      !take_digits(s, i, 2, f.day)) {
    return std::nullopt;
  }
  f.year = year;
  if (i == s.size()) return f;
  if (!expect('T') || !take_digits(s, i, 2, f.hour)) return std::nullopt;
  f.has_time = true;
  int v = 0;
  if (expect(':')) {
    if (!take_digits(s, i, 2, v)) return std::nullopt;
    f.minute = v;
    if (expect(':')) {
      if (!take_digits(s, i, 2, v)) return std::nullopt;
      f.second = v;
      if (expect('.')) {
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') f.fraction.push_back(s[i++]);
        if (f.fraction.empty()) return std::nullopt;
      }
    }
  }
  if (i == s.size()) return f;
  if (s[i] == 'Z' && i + 1 == s.size()) {
    f.zone = Fields::Zone::Utc;
    return f;
  }
  if (s[i] != '+' && s[i] != '-') return std::nullopt;
  f.offset_sign = s[i++] == '-' ? -1 : 1;
  if (!take_digits(s, i, 2, f.offset_hours) || !expect(':') || !take_digits(s, i, 2, f.offset_minutes) ||
      i != s.size()) {
    return std::nullopt;
  }
  f.zone = Fields::Zone::Offset;
  return f;
}

// Nanoseconds of a fraction's digits (first 9).
std::int64_t fraction_ns(const std::string& digits) {
  std::int64_t ns = 0;
  for (std::size_t k = 0; k < 9; ++k) ns = ns * 10 + (k < digits.size() ? digits[k] - '0' : 0);
  return ns;
}

Instant make_instant(std::int64_t epoch_ms_whole_seconds, std::int64_t ns) {
  return {epoch_ms_whole_seconds + ns / 1'000'000, static_cast<std::int32_t>(ns % 1'000'000)};
}

// An explicit offset: JavaScript Date semantics.
std::optional<Instant> parse_with_offset(const Fields& f) {
  if (f.offset_hours > 14 || f.offset_minutes > 59) return std::nullopt;  // ODK's offset check
  if (!f.minute) return std::nullopt;  // Date needs at least HH:MM
  const int minute = *f.minute, second = f.second.value_or(0);
  const std::int64_t ms_fraction = fraction_ns(f.fraction) / 1'000'000;
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31) return std::nullopt;
  const bool midnight_24 = f.hour == 24 && minute == 0 && second == 0 && ms_fraction == 0;
  if ((f.hour > 23 && !midnight_24) || minute > 59 || second > 59) return std::nullopt;
  // Day overflow rolls into the next month, as Date's MakeDay does.
  const std::int64_t days = days_from_civil(f.year, f.month, 1) + f.day - 1;
  const std::int64_t local = days * kDayMsInt + ((f.hour * 60LL + minute) * 60 + second) * 1000 + ms_fraction;
  const std::int64_t offset = f.offset_sign * (f.offset_hours * 60LL + f.offset_minutes);
  return Instant{local - offset * 60000, 0};
}

// "Z" or no offset: Temporal semantics (strict; a bad field throws as ODK's engine does).
std::optional<Instant> parse_temporal(const Fields& f, std::string_view text, Environment& env) {
  auto fail = [&](const char* what) -> EvalError {
    return EvalError(std::string("invalid ") + what + " in date '" + std::string(text) + "'");
  };
  if (f.month < 1 || f.month > 12) throw fail("month");
  if (f.day < 1 || f.day > days_in_month(f.year, f.month)) throw fail("day");
  if (f.hour > 23) throw fail("hour");
  const int minute = f.minute.value_or(0);
  if (minute > 59) throw fail("minute");
  const int second = std::min(f.second.value_or(0), 59);  // a leap second :60 reads as :59
  if (f.second.value_or(0) > 60) throw fail("second");
  if (f.fraction.size() > 9) throw fail("fraction of a second");
  const std::int64_t local = days_from_civil(f.year, f.month, f.day) * kDayMsInt +
                             ((f.hour * 60LL + minute) * 60 + second) * 1000;
  const std::int64_t whole = f.zone == Fields::Zone::Utc ? local : local_to_epoch(env, local);
  return make_instant(whole, fraction_ns(f.fraction));
}

// [SECTION] Printing -------------------------------------------------------------------------

std::string pad(std::int64_t v, int width) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  if (static_cast<int>(digits.size()) < width) digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  return v < 0 ? "-" + digits : digits;
}

// JS String(n).padStart(width, "0"): the sign is padded like any other character.
std::string pad_start(std::int64_t v, std::size_t width) {
  std::string s = std::to_string(v);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

std::string offset_string(int minutes) {
  const int a = std::abs(minutes);
  return (minutes < 0 ? "-" : "+") + pad(a / 60, 2) + ":" + pad(a % 60, 2);
}

// Temporal's year: four digits, or a sign and six digits outside 0000-9999.
std::string iso_year(std::int64_t y) {
  if (y >= 0 && y <= 9999) return pad(y, 4);
  return (y < 0 ? "-" : "+") + pad(y < 0 ? -y : y, 6);
}

// The digits Temporal prints after the seconds (trailing zeros dropped), cut to 3 as ODK does.
std::string fraction_digits(const LocalTime& t) {
  std::string digits = pad(t.millisecond * 1'000'000LL + t.sub_ms_ns, 9);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  if (digits.size() > 3) digits.resize(3);
  return digits;
}

std::string format_tokens(std::string_view format, const LocalTime& t) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // ODK indexes its Sunday-first name list with Temporal's Monday=1..Sunday=7 day number, so
  // Sunday has no name.
  static constexpr std::array<const char*, 7> kDays = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out.push_back(format[i]);
      continue;
    }
    const std::string year = pad_start(t.date.year, 4);
    std::string piece;
    switch (format[i + 1]) {
      case 'Y': piece = year; break;
      case 'y': piece = year.size() > 2 ? year.substr(2) : ""; break;
      case 'm': piece = pad(t.date.month, 2); break;
      case 'n': piece = std::to_string(t.date.month); break;
      case 'b': piece = kMonths[static_cast<std::size_t>(t.date.month - 1)]; break;
      case 'd': piece = pad(t.date.day, 2); break;
      case 'e': piece = std::to_string(t.date.day); break;
      case 'a': piece = kDays[static_cast<std::size_t>(t.weekday)]; break;
      case 'H': piece = pad(t.hour, 2); break;
      case 'h': piece = std::to_string(t.hour); break;
      case 'M': piece = pad(t.minute, 2); break;
      case 'S': piece = pad(t.second, 2); break;
      case '3': piece = pad(t.millisecond, 3); break;
      default: out.push_back('%'); continue;
    }
    out += piece;
    ++i;
  }
  return out;
}

}  // namespace

std::optional<Instant> parse_date_time(std::string_view text, Environment& env) {
  const auto fields = split_fields(text);
  if (!fields) return std::nullopt;
  if (fields->zone == Fields::Zone::Offset) return parse_with_offset(*fields);
  return parse_temporal(*fields, text, env);
}

std::optional<Instant> instant_from_days(double days) {
  if (std::isnan(days)) return std::nullopt;
  const double ms = std::floor(days * kDayMs + 0.5);  // JS Math.round
  constexpr double kLimitMs = 8.64e15;               // Temporal's range of instants
  if (!(std::fabs(ms) <= kLimitMs)) throw EvalError("date value " + number_to_string(days) + " is out of range");
  return Instant{static_cast<std::int64_t>(ms), 0};
}

std::string date_value_string(const Instant& instant, Environment& env) {
  const LocalTime t = to_local(instant, env);
  const std::string date = iso_year(t.date.year) + "-" + pad(t.date.month, 2) + "-" + pad(t.date.day, 2);
  const std::string fraction = fraction_digits(t);
  const std::string offset = offset_string(t.offset_minutes);
  if (t.hour == 0 && t.minute == 0 && t.second == 0) {
    // ODK strips "T00:00:00" (and a zero fraction and the offset) at local midnight; a
    // non-zero fraction survives the strip, glued to the date.
    return fraction.empty() ? date : date + "." + fraction + offset;
  }
  const std::string time = pad(t.hour, 2) + ":" + pad(t.minute, 2) + ":" + pad(t.second, 2);
  return date + "T" + time + "." + (fraction.empty() ? "000" : fraction) + offset;
}

namespace {

// [SECTION] Functions ------------------------------------------------------------------------

Instant now_instant(Environment& env) {
  const double ms = std::floor(env.now_ms());
  return Instant{static_cast<std::int64_t>(ms), 0};
}

// A date value as ODK's date functions return it: the instant's days (epoch milliseconds / day)
// shown as date_value_string(), false only at the epoch itself; or "Invalid Date", NaN, false.
Value date_value(const std::optional<Instant>& instant, Environment& env) {
  if (!instant) return Value::date(std::nan(""), "Invalid Date", false);
  return Value::date(instant->days(), date_value_string(*instant, env), instant->ms != 0);
}

Value fn_now(std::vector<Value>&, const Context& ctx) {
  return date_value(now_instant(*ctx.env), *ctx.env);
}

Value fn_today(std::vector<Value>&, const Context& ctx) {
  const LocalTime t = to_local(now_instant(*ctx.env), *ctx.env);
  const std::int64_t midnight = days_from_civil(t.date.year, t.date.month, t.date.day) * kDayMsInt;
  return date_value(Instant{local_to_epoch(*ctx.env, midnight), 0}, *ctx.env);
}

// ODK's evaluateDateTime: a number is days since the epoch, a string or node is parsed.
std::optional<Instant> date_time_of(const Value& v, Environment& env, const char* fn) {
  if (v.is_boolean()) throw EvalError(std::string(fn) + "() expects a number or a string, not a boolean");
  if (v.is_number()) return instant_from_days(v.raw_number());
  return parse_date_time(v.to_string(), env);
}

// "2020-1-5" -> "2020-01-05" (and "2020-1-5T..." keeps its time), as ODK's date() allows.
std::optional<std::string> pad_unpadded_date(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && i < 4 && s[i] >= '0' && s[i] <= '9') ++i;
  if (i != 4 || s.size() < 5 || s[4] != '-') return std::nullopt;
  std::string out = s.substr(0, 5);
  std::size_t pos = 5;
  for (int part = 0; part < 2; ++part) {
    std::size_t end = pos;
    while (end < s.size() && end - pos < 2 && s[end] >= '0' && s[end] <= '9') ++end;
    const std::size_t n = end - pos;
    if (n == 0 || (n == 1 && s[pos] == '0')) return std::nullopt;  // ([1-9]|\d{2})
    out += (n == 1 ? "0" : "") + s.substr(pos, n);
    pos = end;
    if (part == 0) {
      if (pos >= s.size() || s[pos] != '-') return std::nullopt;
      out.push_back('-');
      ++pos;
    }
  }
  if (pos < s.size() && s[pos] != 'T') return std::nullopt;
  return out + s.substr(pos);
}

bool starts_with_iso_date(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-dd";
  if (s.size() < kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (kShape[i] == 'd' ? !digit : s[i] != '-') return false;
  }
  return true;
}

// date(x) / date-time(x): the date value (see date_value()) of a number of days or of a date
// string; the string "" for a boolean or an empty string, "Invalid Date" for anything
// unreadable.
Value fn_date(std::vector<Value>& args, const Context& ctx) {
  const Value& v = args[0];
  if (v.is_boolean()) return Value::string("");
  std::optional<Instant> instant;
  if (v.is_number()) {
    instant = instant_from_days(v.raw_number());
  } else {
    std::string s = v.to_string();
    if (s.empty()) return Value::string("");
    if (!starts_with_iso_date(s)) {
      const auto padded = pad_unpadded_date(s);
      if (!padded) return date_value(std::nullopt, *ctx.env);
      s = *padded;
    }
    instant = parse_date_time(s, *ctx.env);
  }
  return date_value(instant, *ctx.env);
}

Value fn_decimal_date_time(std::vector<Value>& args, const Context& ctx) {
  const auto instant = date_time_of(args[0], *ctx.env, "decimal-date-time");
  return Value::number(instant ? instant->days() : std::nan(""));
}

// Temporal.PlainTime.from() accepts the HH:MM[:SS[.fff]][offset] shapes ODK then filters.
bool valid_plain_time(int hour, int minute, const std::string& fraction, const Fields& zone) {
  if (hour > 23 || minute > 59 || fraction.size() > 9) return false;
  return zone.zone != Fields::Zone::Utc && zone.offset_hours <= 23 && zone.offset_minutes <= 59;
}

// decimal-time("HH:MM[:SS[.fff]][+HH:MM]"): the local time of day as a fraction of a day.
Value fn_decimal_time(std::vector<Value>& args, const Context& ctx) {
  const std::string s = args[0].to_string();
  const auto fields = split_fields("1970-01-01T" + s);
  const double nan = std::nan("");
  // ODK accepts exactly ^\d{2}:\d{2}(:[0-5]\d)?(\.\d+)?(Z|[-+]\d{2}:\d{2})?$; a fraction needs
  // seconds in our splitter, which Temporal requires as well.
  if (!fields || !fields->minute || fields->second.value_or(0) > 59) return Value::number(nan);
  if (!valid_plain_time(fields->hour, *fields->minute, fields->fraction, *fields)) return Value::number(nan);
  const auto instant = parse_date_time("1970-01-01T" + s, *ctx.env);
  if (!instant) return Value::number(nan);
  const LocalTime t = to_local(*instant, *ctx.env);
  const double ms = ((t.hour * 60.0 + t.minute) * 60 + t.second) * 1000 + t.millisecond;
  return Value::number(ms / kDayMs);
}

// format-date(value, format) and format-date-time(value, format): ODK applies the same tokens
// (date and time) in both. A value that is not a date string gives "".
Value fn_format_date(std::vector<Value>& args, const Context& ctx) {
  const std::string value = args[0].to_string();
  const std::string format = args[1].to_string();
  const auto instant = parse_date_time(value, *ctx.env);
  if (!instant) return Value::string("");
  return Value::string(format_tokens(format, to_local(*instant, *ctx.env)));
}

const FunctionSpec kDateFunctions[] = {
    {"today", 0, 0, fn_today, /*volatile_result=*/true},
    {"now", 0, 0, fn_now, /*volatile_result=*/true},
    {"date", 1, 1, fn_date},
    {"date-time", 1, 1, fn_date},
    {"decimal-date-time", 1, 1, fn_decimal_date_time},
    {"decimal-time", 1, 1, fn_decimal_time},
    {"format-date", 2, 2, fn_format_date},
    {"format-date-time", 2, 2, fn_format_date},
};

}  // namespace

std::span<const FunctionSpec> date_functions() { return kDateFunctions; }

}  // namespace khaosat::core::xpath::detail::odk
