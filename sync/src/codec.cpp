// The protocol codec (protocol.hpp): gzip and zstd, strict JSON bodies, error documents, base64.
// The message types' JSON is in codec_messages.cpp.
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <cstring>
#include <memory>

#include "khaosat/core/json.hpp"
#include "khaosat/sync/protocol.hpp"

namespace khaosat::sync {

using nlohmann::json;

Response error_response(int status, const Error& e, const json& extra) {
  json err = {{"code", std::string(e.code_name())}, {"message", e.message}};
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) err[it.key()] = *it;
  Response r;
  r.status = status;
  r.headers["content-type"] = "application/json";
  r.body = json{{"error", err}}.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Error error_of(const Response& r) {
  std::string body = r.body;
  if (auto enc = r.headers.find("content-encoding"); enc != r.headers.end() && enc->second == "gzip") {
    auto plain = gunzip(r.body, 1u << 20);
    body = plain ? plain.value() : std::string();
  }
  auto parsed = core::parse_json(body);
  if (parsed && parsed->is_object()) {
    auto e = parsed->find("error");
    if (e != parsed->end() && e->is_object()) {
      auto code = e->find("code");
      auto msg = e->find("message");
      if (code != e->end() && code->is_string() && msg != e->end() && msg->is_string()) {
        auto c = core::parse_error_code(code->get<std::string>());
        return Error::make(c.value_or(ErrorCode::sync_server),
                           msg->get<std::string>() + (c ? "" : " (" + code->get<std::string>() + ")"));
      }
    }
  }
  return Error::make(ErrorCode::sync_server,
                     "the server answered HTTP " + std::to_string(r.status) + " without an error document");
}

// --- gzip ---------------------------------------------------------------------------------

std::string gzip(std::string_view bytes, int level) {
  z_stream z{};
  // 15 + 16: a gzip header and trailer around the deflate stream.
  deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Result<std::string> gunzip(std::string_view gz, std::size_t max_out) {
  std::size_t limit = std::min(max_out, std::max<std::size_t>(gz.size(), 1) * kMaxInflateRatio);
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK)
    return Error::make(ErrorCode::sync_compression, "cannot start inflating the gzip body");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      bool truncated = rc == Z_BUF_ERROR && z.avail_in == 0;
      inflateEnd(&z);
      return Error::make(ErrorCode::sync_compression,
                         truncated ? std::string("the gzip body is truncated")
                                   : std::string("the gzip body is corrupt (") + (z.msg ? z.msg : "zlib error") + ")");
    }
    std::size_t got = sizeof buf - z.avail_out;
    if (out.size() + got > limit) {
      inflateEnd(&z);
      return Error::make(ErrorCode::sync_too_large,
                         "the gzip body inflates to more than " + std::to_string(limit) +
                             " bytes (the limit: " + std::to_string(max_out >> 20) +
                             " MiB, and at most " + std::to_string(kMaxInflateRatio) +
                             " times the compressed size)");
    }
    out.append(buf, got);
  }
  bool trailing = z.avail_in != 0;
  inflateEnd(&z);
  if (trailing)
    return Error::make(ErrorCode::sync_compression, "the gzip body is followed by other bytes");
  return out;
}

// --- zstd ---------------------------------------------------------------------------------

std::string zstd(std::string_view bytes, int level) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> c(ZSTD_createCCtx(), ZSTD_freeCCtx);
  // A checksum of the content (xxHash64, 4 bytes) in the frame, as gzip's CRC-32.
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
  std::string out;
  out.resize(ZSTD_compressBound(bytes.size()));
  std::size_t n = ZSTD_compress2(c.get(), out.data(), out.size(), bytes.data(), bytes.size());
  // Only an allocation failure fails here (the bound is always enough).
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

Result<std::string> unzstd(std::string_view z, std::size_t max_out) {
  std::size_t limit = std::min(max_out, std::max<std::size_t>(z.size(), 1) * kMaxInflateRatio);
  auto too_large = [&] {
    return Error::make(ErrorCode::sync_too_large,
                       "the zstd body decompresses to more than " + std::to_string(limit) +
                           " bytes (the limit: " + std::to_string(max_out >> 20) + " MiB, and at most " +
                           std::to_string(kMaxInflateRatio) + " times the compressed size)");
  };
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> d(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!d) return Error::make(ErrorCode::sync_compression, "cannot start decompressing the zstd body");
  // A frame asking for a window larger than the limit (the decoder would allocate it) is a bomb.
  int window_log = 10;
  while (window_log < 31 && (std::size_t{1} << window_log) < max_out) ++window_log;
  ZSTD_DCtx_setParameter(d.get(), ZSTD_d_windowLogMax, window_log);
  std::string out;
  // The size the frame declares, when it does and it is within the limit; else grown as it comes.
  unsigned long long declared = ZSTD_getFrameContentSize(z.data(), z.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR && declared <= limit)
    out.reserve(static_cast<std::size_t>(declared));
  ZSTD_inBuffer in{z.data(), z.size(), 0};
  char buf[64 * 1024];
  for (;;) {
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    std::size_t rc = ZSTD_decompressStream(d.get(), &o, &in);
    if (ZSTD_isError(rc)) {
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) return too_large();
      return Error::make(ErrorCode::sync_compression,
                         std::string("the zstd body is corrupt (") + ZSTD_getErrorName(rc) + ")");
    }
    if (out.size() + o.pos > limit) return too_large();
    out.append(buf, o.pos);
    if (rc == 0) break;  // the frame is whole (and its checksum checked)
    // All input read and the output not filled: the decoder waits for bytes that never come.
    if (in.pos == in.size && o.pos < o.size)
      return Error::make(ErrorCode::sync_compression, "the zstd body is truncated");
  }
  if (in.pos != in.size) return Error::make(ErrorCode::sync_compression, "the zstd body is followed by other bytes");
  return out;
}

Result<std::string> decode_body(std::string_view encoding, std::string_view body, std::size_t max_out) {
  if (encoding == "gzip") return gunzip(body, max_out);
  if (encoding == "zstd") return unzstd(body, max_out);
  return Error::make(ErrorCode::sync_request,
                     "Content-Encoding '" + std::string(encoding.substr(0, 40)) + "' is not supported (gzip and zstd are)");
}

// --- JSON ---------------------------------------------------------------------------------

namespace {

// The path of the first string or key holding U+0000, or "" when none does.
std::string find_nul(const json& j, const std::string& path) {
  if (j.is_string())
    return j.get_ref<const std::string&>().find('\0') != std::string::npos ? path : "";
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      if (auto p = find_nul(j[i], path + "[" + std::to_string(i) + "]"); !p.empty()) return p;
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string here = path.empty() ? it.key() : path + "." + it.key();
      if (it.key().find('\0') != std::string::npos) return here;
      if (auto p = find_nul(*it, here); !p.empty()) return p;
    }
  }
  return "";
}

}  // namespace

Result<json> parse_body(std::string_view body) {
  auto parsed = core::parse_json(body, core::kMaxJsonDepth);
  if (!parsed) return Error::make(ErrorCode::sync_request, "the body is not valid JSON: " + parsed.error().message);
  if (auto p = find_nul(*parsed, ""); !p.empty())
    return Error::make(ErrorCode::sync_request, (p.empty() ? "the body" : p) +
                                                    ": a string holds U+0000 (NUL), which the protocol refuses");
  return std::move(parsed).value();
}

bool is_sha256(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// --- base64 (RFC 4648, with padding) --------------------------------------------------------

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
  }
  if (std::size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    unsigned v = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      const char* p = c ? std::strchr(kB64, c) : nullptr;
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      if (!p || pad) return std::nullopt;
      v = (v << 6) | static_cast<unsigned>(p - kB64);
    }
    out += static_cast<char>((v >> 16) & 255);
    if (pad < 2) out += static_cast<char>((v >> 8) & 255);
    if (pad < 1) out += static_cast<char>(v & 255);
  }
  return out;
}

}  // namespace khaosat::sync
