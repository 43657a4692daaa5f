// Text layout helpers for the tables graphrun prints (UTF-8 aware: "×" is one column).
#ifndef GRAPHRUN_GRAPH_TEXT_H_
#define GRAPHRUN_GRAPH_TEXT_H_

#include <cstdint>
#include <string>

namespace graphrun {

// Columns a UTF-8 string takes on a terminal (code points; no wide characters used).
inline size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// `s` padded with spaces to `width` columns.
inline std::string PadRight(const std::string& s, size_t width) {
  const size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

// 773270 -> "773,270".
std::string WithThousands(int64_t n);

// `s` as a JSON string literal, quotes included (", \ and control characters escaped).
std::string JsonString(const std::string& s);

}  // namespace graphrun

#endif  // GRAPHRUN_GRAPH_TEXT_H_
