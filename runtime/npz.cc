#include "runtime/npz.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/atomic_file.h"

namespace graphrun::runtime {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

uint64_t Le(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

int DTypeBytes(const std::string& dtype) {
  if (dtype == "f8" || dtype == "i8") return 8;
  if (dtype == "f4" || dtype == "i4") return 4;
  if (dtype == "u1" || dtype == "b1") return 1;
  return 0;
}

double Decode(const char* p, const std::string& dtype) {
  if (dtype == "f8") { double v; std::memcpy(&v, p, 8); return v; }
  if (dtype == "f4") { float v; std::memcpy(&v, p, 4); return v; }
  if (dtype == "i8") { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
  if (dtype == "i4") { int32_t v; std::memcpy(&v, p, 4); return v; }
  return static_cast<unsigned char>(*p);  // u1, b1
}

// x converted to the integer type T, saturating (NaN gives 0): never undefined behaviour.
template <typename T>
T Saturate(double x) {
  if (!(x == x)) return 0;
  if (x <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (x >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(x);
}

void Encode(double x, const std::string& dtype, std::string* out) {
  char buf[8];
  if (dtype == "f8") { std::memcpy(buf, &x, 8); out->append(buf, 8); return; }
  if (dtype == "f4") { float v = static_cast<float>(x); std::memcpy(buf, &v, 4); out->append(buf, 4); return; }
  if (dtype == "i8") { int64_t v = Saturate<int64_t>(x); std::memcpy(buf, &v, 8); out->append(buf, 8); return; }
  if (dtype == "i4") { int32_t v = Saturate<int32_t>(x); std::memcpy(buf, &v, 4); out->append(buf, 4); return; }
  out->push_back(static_cast<char>(Saturate<uint8_t>(x)));
}

// The value of `key` in the header dict "{'descr': '<f8', 'fortran_order': False, ...}".
std::string HeaderField(const std::string& header, const std::string& key) {
  const std::string quoted = "'" + key + "'";
  size_t at = header.find(quoted);
  if (at == std::string::npos) return "";
  at = header.find(':', at);
  if (at == std::string::npos) return "";
  ++at;
  while (at < header.size() && header[at] == ' ') ++at;
  if (at >= header.size()) return "";
  if (header[at] == '(') {
    const size_t end = header.find(')', at);
    return end == std::string::npos ? "" : header.substr(at, end - at + 1);
  }
  if (header[at] == '\'') {
    const size_t end = header.find('\'', at + 1);
    return end == std::string::npos ? "" : header.substr(at + 1, end - at - 1);
  }
  size_t end = at;
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return std::string(absl::StripAsciiWhitespace(header.substr(at, end - at)));
}

absl::StatusOr<std::string> Inflate(const std::string& data, uint64_t size, const std::string& name) {
  if (size > (uint64_t{1} << 36)) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": entry claims ", size, " bytes"));
  }
  std::string out(size, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return absl::InternalError("zlib init failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const uint64_t produced = z.total_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || produced != size) {
    return absl::DataLossError(absl::StrCat(name, ": corrupt deflate data"));
  }
  return out;
}

}  // namespace

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<NpyArray> ParseNpy(const std::string& b, const std::string& name) {
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a valid .npy array: ", what));
  };
  if (b.size() < 10 || b.compare(0, 6, kMagic, 6) != 0) return bad("no NUMPY magic");
  const int major = static_cast<unsigned char>(b[6]);
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) return bad(absl::StrCat("format version ", major));
  if (b.size() < 8 + len_bytes) return bad("truncated header");
  const uint64_t header_len = Le(b, 8, static_cast<int>(len_bytes));
  const size_t data_at = 8 + len_bytes + header_len;
  if (data_at > b.size()) return bad("truncated header");
  const std::string header = b.substr(8 + len_bytes, header_len);
  std::string descr = HeaderField(header, "descr");
  const std::string fortran = HeaderField(header, "fortran_order");
  const std::string shape_text = HeaderField(header, "shape");
  if (descr.size() < 3) return bad(absl::StrCat("dtype '", descr, "'"));
  if (descr[0] == '>') return bad("big-endian data is not supported");
  NpyArray a;
  a.dtype = descr.substr(1);
  if (DTypeBytes(a.dtype) == 0) {
    return bad(absl::StrCat("dtype '", descr, "' (supported: <f4 <f8 <i4 <i8 |u1 |b1)"));
  }
  if (shape_text.size() < 2) return bad("no shape");
  int64_t count = 1;
  for (absl::string_view part : absl::StrSplit(shape_text.substr(1, shape_text.size() - 2), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    int64_t d;
    if (!absl::SimpleAtoi(part, &d) || d < 0 || (d > 0 && count > (int64_t{1} << 40) / d)) {
      return bad(absl::StrCat("shape ", shape_text));
    }
    a.shape.push_back(d);
    count *= d;
  }
  const int width = DTypeBytes(a.dtype);
  if (b.size() - data_at < static_cast<uint64_t>(count) * width) {
    return bad(absl::StrCat("truncated data: shape ", shape_text, " needs ", count * width,
                            " bytes, has ", b.size() - data_at));
  }
  a.values.resize(count);
  const char* p = b.data() + data_at;
  if (fortran == "True" && a.shape.size() > 1) {
    // Column-major: element (i0, i1, ...) is at i0 + d0·(i1 + d1·(...)).
    std::vector<int64_t> index(a.shape.size(), 0);
    for (int64_t c = 0; c < count; ++c) {
      int64_t f = 0, stride = 1;
      for (size_t k = 0; k < a.shape.size(); ++k) {
        f += index[k] * stride;
        stride *= a.shape[k];
      }
      a.values[c] = Decode(p + f * width, a.dtype);
      for (int k = static_cast<int>(a.shape.size()) - 1; k >= 0; --k) {
        if (++index[k] < a.shape[k]) break;
        index[k] = 0;
      }
    }
  } else {
    for (int64_t c = 0; c < count; ++c) a.values[c] = Decode(p + c * width, a.dtype);
  }
  return a;
}

absl::StatusOr<NpzArrays> ReadNpz(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  return ParseNpz(*contents, path);
}

absl::StatusOr<NpzArrays> ParseNpz(const std::string& b, const std::string& path) {
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid .npz file: ", what));
  };
  // True when [at, at + n) lies inside the file (offsets come from the file: no overflow).
  auto inside = [&](uint64_t at, uint64_t n) { return at <= b.size() && n <= b.size() - at; };
  // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
  if (b.size() < 22) return bad(b.empty() ? "the file is empty" : "too short");
  size_t eocd = std::string::npos;
  const size_t lowest = b.size() > 65557 ? b.size() - 65557 : 0;
  for (size_t at = b.size() - 22 + 1; at-- > lowest;) {
    if (b.compare(at, 4, "PK\x05\x06", 4) == 0) {
      eocd = at;
      break;
    }
  }
  if (eocd == std::string::npos) return bad("no zip directory");
  uint64_t entries = Le(b, eocd + 10, 2);
  uint64_t dir_at = Le(b, eocd + 16, 4);
  if (dir_at == 0xffffffff || entries == 0xffff) {  // zip64 end of central directory
    if (eocd < 20 || b.compare(eocd - 20, 4, "PK\x06\x07", 4) != 0) return bad("zip64 locator missing");
    const uint64_t z64 = Le(b, eocd - 20 + 8, 8);
    if (!inside(z64, 56) || b.compare(z64, 4, "PK\x06\x06", 4) != 0) return bad("zip64 directory missing");
    entries = Le(b, z64 + 32, 8);
    dir_at = Le(b, z64 + 48, 8);
  }
  NpzArrays arrays;
  uint64_t at = dir_at;
  for (uint64_t e = 0; e < entries; ++e) {
    if (!inside(at, 46) || b.compare(at, 4, "PK\x01\x02", 4) != 0) return bad("corrupt directory");
    const int method = static_cast<int>(Le(b, at + 10, 2));
    const uint32_t crc = static_cast<uint32_t>(Le(b, at + 16, 4));
    uint64_t packed = Le(b, at + 20, 4), size = Le(b, at + 24, 4);
    const uint64_t name_len = Le(b, at + 28, 2), extra_len = Le(b, at + 30, 2),
                   comment_len = Le(b, at + 32, 2);
    uint64_t local = Le(b, at + 42, 4);
    if (!inside(at + 46, name_len + extra_len)) return bad("corrupt directory");
    const std::string name = b.substr(at + 46, name_len);
    // zip64 extra field: the sizes and offset that did not fit, in this order.
    const uint64_t extra_end = at + 46 + name_len + extra_len;
    for (uint64_t x = at + 46 + name_len; x + 4 <= extra_end;) {
      const uint64_t id = Le(b, x, 2), len = std::min<uint64_t>(Le(b, x + 2, 2), extra_end - x - 4);
      uint64_t y = x + 4;
      if (id == 1) {
        if (size == 0xffffffff && y + 8 <= x + 4 + len) { size = Le(b, y, 8); y += 8; }
        if (packed == 0xffffffff && y + 8 <= x + 4 + len) { packed = Le(b, y, 8); y += 8; }
        if (local == 0xffffffff && y + 8 <= x + 4 + len) { local = Le(b, y, 8); }
      }
      x += 4 + len;
    }
    at = extra_end + comment_len;
    const std::string where = absl::StrCat(path, ": ", name);
    if (!inside(local, 30) || b.compare(local, 4, "PK\x03\x04", 4) != 0) {
      return bad(absl::StrCat("entry ", name, " has no local header"));
    }
    const uint64_t data_at = local + 30 + Le(b, local + 26, 2) + Le(b, local + 28, 2);
    if (!inside(data_at, packed)) return absl::DataLossError(absl::StrCat(where, ": truncated"));
    std::string data = b.substr(data_at, packed);
    if (method == 8) {
      // Deflate expands at most 1032:1; a larger claim is a corrupt (or hostile) header.
      if (size > packed * 1032 + 1024) {
        return absl::DataLossError(absl::StrCat(where, ": claims ", size, " bytes from ", packed,
                                                " compressed ones"));
      }
      absl::StatusOr<std::string> inflated = Inflate(data, size, where);
      if (!inflated.ok()) return inflated.status();
      data = *std::move(inflated);
    } else if (method != 0) {
      return bad(absl::StrCat("entry ", name, " uses compression method ", method,
                              " (supported: stored, deflate)"));
    } else if (size != packed) {
      return absl::DataLossError(absl::StrCat(where, ": stored entry of ", packed,
                                              " bytes claims to hold ", size));
    }
    if (crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())) != crc) {
      return absl::DataLossError(absl::StrCat(where, ": checksum mismatch"));
    }
    std::string key = name;
    if (key.size() >= 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    absl::StatusOr<NpyArray> array = ParseNpy(data, where);
    if (!array.ok()) return array.status();
    if (!arrays.emplace(key, *std::move(array)).second) {
      return bad(absl::StrCat("entry ", name, " appears twice"));
    }
  }
  return arrays;
}

std::string SerializeNpy(const NpyArray& a) {
  const std::string descr = (a.dtype == "u1" || a.dtype == "b1" ? "|" : "<") + a.dtype;
  std::string shape = "(";
  for (int64_t d : a.shape) absl::StrAppend(&shape, d, a.shape.size() == 1 ? "," : ", ");
  if (a.shape.size() > 1) shape.resize(shape.size() - 2);
  shape += ")";
  std::string header = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ",
                                    shape, ", }");
  // Pad so that the data starts at a multiple of 64 bytes, ending in a newline.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, 6);
  out.push_back('\x01');
  out.push_back('\x00');
  PutLe(&out, header.size(), 2);
  out += header;
  for (double x : a.values) Encode(x, a.dtype, &out);
  return out;
}

absl::Status WriteNpz(const std::string& path,
                      const std::vector<std::pair<std::string, NpyArray>>& arrays) {
  absl::StatusOr<std::string> zip = SerializeNpz(arrays);
  if (!zip.ok()) return absl::Status(zip.status().code(), absl::StrCat(path, ": ", zip.status().message()));
  return WriteFileAtomically(path, *zip);
}

absl::StatusOr<std::string> SerializeNpz(const std::vector<std::pair<std::string, NpyArray>>& arrays) {
  if (arrays.size() >= 0xffff) return absl::InvalidArgumentError("too many arrays for a .npz");
  std::string zip, directory;
  for (const auto& [key, array] : arrays) {
    const std::string name = key + ".npy";
    const std::string data = SerializeNpy(array);
    if (data.size() >= 0xffffffffULL || zip.size() >= 0xffffffffULL || name.size() >= 0xffff) {
      return absl::InvalidArgumentError(absl::StrCat("'", key, "' is too large for a .npz"));
    }
    const uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()),
                               static_cast<uInt>(data.size()));
    const uint64_t offset = zip.size();
    auto header = [&](std::string* out, bool central) {
      out->append(central ? "PK\x01\x02" : "PK\x03\x04", 4);
      if (central) PutLe(out, 20, 2);  // made by
      PutLe(out, 20, 2);               // version needed
      PutLe(out, 0, 2);                // flags
      PutLe(out, 0, 2);                // stored
      PutLe(out, 0, 2);                // time
      PutLe(out, 0x21, 2);             // date 1980-01-01
      PutLe(out, crc, 4);
      PutLe(out, data.size(), 4);
      PutLe(out, data.size(), 4);
      PutLe(out, name.size(), 2);
      PutLe(out, 0, 2);  // extra
      if (central) {
        PutLe(out, 0, 2);  // comment
        PutLe(out, 0, 2);  // disk
        PutLe(out, 0, 2);  // internal attributes
        PutLe(out, 0, 4);  // external attributes
        PutLe(out, offset, 4);
      }
      out->append(name);
    };
    header(&zip, false);
    zip += data;
    header(&directory, true);
  }
  const uint64_t dir_at = zip.size();
  zip += directory;
  zip.append("PK\x05\x06", 4);
  PutLe(&zip, 0, 2);
  PutLe(&zip, 0, 2);
  PutLe(&zip, arrays.size(), 2);
  PutLe(&zip, arrays.size(), 2);
  PutLe(&zip, directory.size(), 4);
  PutLe(&zip, dir_at, 4);
  PutLe(&zip, 0, 2);
  if (zip.size() >= 0xffffffffULL) return absl::InvalidArgumentError("too large for a .npz");
  return zip;
}

}  // namespace graphrun::runtime
