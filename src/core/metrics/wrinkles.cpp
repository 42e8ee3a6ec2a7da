#include "core/metrics/wrinkles.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/base/check.h"
#include "core/base/order_statistics.h"
#include "core/base/simd.h"
#include "core/color/skin_model.h"
#include "core/metrics/analysis_frame.h"
#include "core/metrics/dark_blobs.h"
#include "core/metrics/octave.h"

namespace skintrack::core {
namespace {

// Normalised second-derivative response σ²λ at the centre of an ideal bar of unit contrast and
// width w is (w/σ)/√(2π)·exp(−w²/(8σ²)); it peaks at σ = w/2 with the value (2/√(2π))·exp(−1/2).
constexpr double kBarResponse = 0.4839;

// The width reported is the full width at half depth (FWHM) of a Gaussian groove, the shape a
// wrinkle's cross-section resembles: a Gaussian of standard deviation s responds most strongly at
// σ = √2·s, so its FWHM = 2√(2 ln 2)·s = 1.665σ at the best scale. (Reporting the bar width 2σ
// would read such a groove 20 % wide.)
constexpr double kFwhmPerSigma = 1.6651;

// Scales of at least twice this σ run on an octave where they are still this wide (octave.h). A
// sampled second difference reads a Gaussian's by a factor of about 1 − 1/(4σ²): 1.6 % low at
// 4 px. At 3 px (σ = 7 px run at half size) the 3 % weaker response moved lines near the
// thresholds in and out of the result, so only the widest default scale (12 px at 20 px/mm) runs
// on an octave.
constexpr double kMinOctaveSigmaPx = 4.0;

// Removes dark features that are shorter than `length_px` in every direction (pores, specks) and
// keeps lines: the minimum over 8 orientations of a grey closing with a line segment. A dark line
// survives the closing along its own direction; a round spot survives none.
cv::Mat RemoveShortDarkFeatures(const cv::Mat& contrast, double length_px) {
  const int half = std::max(1, static_cast<int>(std::lround(length_px / 2.0)));
  const int size = 2 * half + 1;
  // The closings run on the contrast quantised to 16 bits over its own range: OpenCV's grey
  // morphology handles twice as many 16-bit values as floats per vector instruction, which halves
  // the eight closings' time. A closing only orders and copies values, so the result is the float
  // one rounded to a step of range/65535 (≈ 2·10⁻⁵ of contrast for a range of 1.3, against skin
  // texture of ≈ 10⁻²).
  double lo = 0, hi = 0;
  cv::minMaxLoc(contrast, &lo, &hi);
  const double step = std::max(hi - lo, 1e-12) / 65535.0;
  cv::Mat quantised;
  contrast.convertTo(quantised, CV_16U, 1.0 / step, -lo / step);
  cv::Mat out;
  for (int i = 0; i < 8; ++i) {
    const double angle = i * M_PI / 8.0;
    const cv::Point2d dir(std::cos(angle) * half, std::sin(angle) * half);
    cv::Mat kernel(size, size, CV_8U, cv::Scalar(0));
    cv::line(kernel, cv::Point(cvRound(half - dir.x), cvRound(half - dir.y)),
             cv::Point(cvRound(half + dir.x), cvRound(half + dir.y)), cv::Scalar(1), 1, cv::LINE_8);
    // The same segment as a 1-pixel-thick kernel where it is one: OpenCV then takes its fast
    // separable path for rectangles (same pixels, same result, about 10x faster).
    if (cv::countNonZero(kernel.row(half)) == size)
      kernel = kernel.row(half).clone();
    else if (cv::countNonZero(kernel.col(half)) == size)
      kernel = kernel.col(half).clone();
    cv::Mat closed;
    cv::morphologyEx(quantised, closed, cv::MORPH_CLOSE, kernel, cv::Point(-1, -1), 1,
                     cv::BORDER_REPLICATE);
    out = out.empty() ? closed : cv::min(out, closed);
  }
  cv::Mat result;
  out.convertTo(result, CV_32F, step, lo);
  return result;
}

constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};  // around the 8-neighbourhood, in order
constexpr int kDy[8] = {0, 1, 1, 1, 0, -1, -1, -1};

bool On(const cv::Mat& image, int x, int y) {
  return x >= 0 && y >= 0 && x < image.cols && y < image.rows && image.at<uchar>(y, x) != 0;
}

int CountNeighbours(const cv::Mat& image, int x, int y) {
  int count = 0;
  for (int i = 0; i < 8; ++i) count += On(image, x + kDx[i], y + kDy[i]) ? 1 : 0;
  return count;
}

// Number of 8-connected groups that the set neighbours of (x, y) form among themselves.
int NeighbourGroups(const cv::Mat& image, int x, int y) {
  bool on[8];
  int parent[8];
  for (int i = 0; i < 8; ++i) {
    on[i] = On(image, x + kDx[i], y + kDy[i]);
    parent[i] = i;
  }
  const auto find = [&](int i) {
    while (parent[i] != i) i = parent[i];
    return i;
  };
  for (int i = 0; i < 8; ++i) {
    for (int j = i + 1; j < 8; ++j) {
      if (on[i] && on[j] && std::abs(kDx[i] - kDx[j]) <= 1 && std::abs(kDy[i] - kDy[j]) <= 1) {
        parent[find(j)] = find(i);
      }
    }
  }
  int groups = 0;
  for (int i = 0; i < 8; ++i) groups += (on[i] && find(i) == i) ? 1 : 0;
  return groups;
}

// Zhang–Suen thinning leaves 4-connected staircase corners (three pixels in an L), which make
// every pixel of a diagonal run look like a junction. A pixel whose neighbours form one connected
// group and that has at least two of them is redundant: removing it keeps the line connected.
void RemoveRedundantPixels(cv::Mat& skeleton) {
  for (int y = 0; y < skeleton.rows; ++y) {
    uchar* row = skeleton.ptr<uchar>(y);
    for (int x = 0; x < skeleton.cols; ++x) {
      if (row[x] != 0 && CountNeighbours(skeleton, x, y) >= 2 &&
          NeighbourGroups(skeleton, x, y) == 1) {
        row[x] = 0;
      }
    }
  }
}

// A simple path of skeleton pixels between junctions and/or free ends.
struct Chain {
  std::vector<cv::Point> pixels;  // in order along the path
  int junction_ends = 0;          // how many of its two ends touch a junction pixel
  bool cycle = false;
};

// Splits a cleaned skeleton into chains at its junction pixels (≥ 3 neighbours) and orders each
// chain's pixels by walking it (axial steps first, so that no pixel is skipped).
std::vector<Chain> TraceChains(const cv::Mat& skeleton, cv::Mat& junctions) {
  junctions = cv::Mat(skeleton.size(), CV_8U, cv::Scalar(0));
  cv::Mat free_pixels = skeleton.clone();
  for (int y = 0; y < skeleton.rows; ++y) {
    for (int x = 0; x < skeleton.cols; ++x) {
      if (skeleton.at<uchar>(y, x) != 0 && CountNeighbours(skeleton, x, y) >= 3) {
        junctions.at<uchar>(y, x) = 255;
        free_pixels.at<uchar>(y, x) = 0;
      }
    }
  }
  std::vector<Chain> chains;
  cv::Mat visited(skeleton.size(), CV_8U, cv::Scalar(0));
  static constexpr int kOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};  // axial neighbours first
  const auto walk = [&](cv::Point start, Chain& chain) {
    cv::Point p = start;
    while (true) {
      visited.at<uchar>(p) = 255;
      chain.pixels.push_back(p);
      bool moved = false;
      for (int k : kOrder) {
        const cv::Point q(p.x + kDx[k], p.y + kDy[k]);
        if (On(free_pixels, q.x, q.y) && visited.at<uchar>(q) == 0) {
          p = q;
          moved = true;
          break;
        }
      }
      if (!moved) break;
    }
  };
  const auto touches_junction = [&](cv::Point p) {
    for (int i = 0; i < 8; ++i) {
      if (On(junctions, p.x + kDx[i], p.y + kDy[i])) return true;
    }
    return false;
  };
  // Chains with an end first (an end has at most one free neighbour), then the closed loops left.
  for (int pass = 0; pass < 2; ++pass) {
    for (int y = 0; y < skeleton.rows; ++y) {
      for (int x = 0; x < skeleton.cols; ++x) {
        if (free_pixels.at<uchar>(y, x) == 0 || visited.at<uchar>(y, x) != 0) continue;
        if (pass == 0 && CountNeighbours(free_pixels, x, y) > 1) continue;
        Chain chain;
        chain.cycle = pass == 1;
        walk(cv::Point(x, y), chain);
        if (!chain.cycle) {
          chain.junction_ends =
              (touches_junction(chain.pixels.front()) ? 1 : 0) +
              (chain.pixels.size() > 1 && touches_junction(chain.pixels.back()) ? 1 : 0);
        }
        chains.push_back(std::move(chain));
      }
    }
  }
  return chains;
}

// Length of an ordered pixel path after a moving average of ±half_window pixels (shrunk
// symmetrically at the ends, which stay fixed): the staircase of a digital line is smoothed out, so
// the length does not depend on the line's angle to the pixel grid (a plain chain code overcounts
// by up to 8 %, Vossepoel & Smeulders 1982) nor on a small rotation of the image.
double SmoothedPathLength(const std::vector<cv::Point>& path, int half_window) {
  const int n = static_cast<int>(path.size());
  if (n < 2) return 0;
  std::vector<cv::Point2d> prefix(static_cast<size_t>(n) + 1, cv::Point2d(0, 0));
  for (int i = 0; i < n; ++i) {
    prefix[static_cast<size_t>(i) + 1] =
        prefix[static_cast<size_t>(i)] + cv::Point2d(path[static_cast<size_t>(i)]);
  }
  double length = 0;
  cv::Point2d previous;
  for (int i = 0; i < n; ++i) {
    const int k = std::min({half_window, i, n - 1 - i});
    const cv::Point2d mean =
        (prefix[static_cast<size_t>(i + k + 1)] - prefix[static_cast<size_t>(i - k)]) *
        (1.0 / (2 * k + 1));
    if (i > 0) length += cv::norm(mean - previous);
    previous = mean;
  }
  return length;
}

// Fills holes of the ridge mask smaller than `max_hole_px` pixels: a pore or a speck of texture on
// a line fails the line test there, and thinning would turn the ring around it into a loop.
void FillSmallHoles(cv::Mat& ridge, double max_hole_px) {
  cv::Mat background = ridge == 0;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(background, labels, stats, centroids, 4, CV_32S);
  std::vector<uchar> fill(static_cast<size_t>(n), 0);
  for (int i = 1; i < n; ++i) {
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    const bool touches_border = x == 0 || y == 0 || x + w == ridge.cols || y + h == ridge.rows;
    fill[static_cast<size_t>(i)] =
        !touches_border && stats.at<int>(i, cv::CC_STAT_AREA) <= max_hole_px ? 1 : 0;
  }
  for (int y = 0; y < ridge.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uchar* r = ridge.ptr<uchar>(y);
    for (int x = 0; x < ridge.cols; ++x) {
      if (fill[static_cast<size_t>(l[x])] != 0) r[x] = 255;
    }
  }
}

// Length of chains of a cleaned skeleton, with half a pixel beyond each free end (an end pixel
// covers half a pixel past its centre). Junction pixels are counted by the caller.
double ChainsLengthPx(const std::vector<Chain>& chains, int half_window) {
  double length = 0;
  for (const Chain& chain : chains) {
    length += SmoothedPathLength(chain.pixels, half_window);
    if (chain.cycle) continue;
    length += 0.5 * (2 - chain.junction_ends);
  }
  return length;
}

// Follows each free end of the centre lines forward along its own direction over weaker ridge
// pixels (`snr` ≥ `min_snr` and `contrast` ≥ `min_contrast`), so that a line ends where its groove
// fades into the noise rather than where the hysteresis threshold happened to cut it, and bridges
// gaps of at most `max_gap_px` failing pixels (a pore or a speck of texture on the line) when the
// line resumes, joining lines that a gap had split. Direction: the chord over the last
// `direction_px` pixels of the chain, updated as the trace turns; candidates are the three
// 8-neighbours within 45° of it, the one with the strongest response taken.
void ExtendEnds(cv::Mat& skeleton, const cv::Mat& snr, const cv::Mat& contrast,
                const cv::Mat& inside, float min_snr, float min_contrast, int max_gap_px,
                int direction_px, int max_steps, double max_turn_rad, double min_line_px,
                int half_window) {
  cv::Mat junctions;
  const std::vector<Chain> chains = TraceChains(skeleton, junctions);
  cv::Mat labels;
  const int n_lines = cv::connectedComponents(skeleton, labels, 8, CV_32S);
  // Only lines that already count are extended: a fragment must stand on its own.
  std::vector<double> line_length(static_cast<size_t>(n_lines), 0.0);
  for (const Chain& chain : chains) {
    line_length[static_cast<size_t>(labels.at<int>(chain.pixels.front()))] +=
        SmoothedPathLength(chain.pixels, half_window);
  }
  const auto passes = [&](cv::Point p) {
    return snr.at<float>(p) >= min_snr && contrast.at<float>(p) >= min_contrast;
  };
  std::vector<std::pair<cv::Point, cv::Point2d>> ends;  // free end and outward direction
  for (const Chain& chain : chains) {
    if (chain.cycle || chain.pixels.size() < 3) continue;
    if (line_length[static_cast<size_t>(labels.at<int>(chain.pixels.front()))] < min_line_px)
      continue;
    const int n = static_cast<int>(chain.pixels.size());
    const int back = std::min(direction_px, n - 1);
    // junction_ends tells how many ends touch a junction, not which: test each end directly.
    for (int side = 0; side < 2; ++side) {
      const cv::Point end = side == 0 ? chain.pixels.front() : chain.pixels.back();
      const cv::Point inner = side == 0 ? chain.pixels[static_cast<size_t>(back)]
                                        : chain.pixels[static_cast<size_t>(n - 1 - back)];
      bool at_junction = false;
      for (int i = 0; i < 8; ++i) at_junction |= On(junctions, end.x + kDx[i], end.y + kDy[i]);
      if (at_junction) continue;
      cv::Point2d d(end - inner);
      const double norm = cv::norm(d);
      if (norm < 1e-9) continue;
      ends.emplace_back(end, d * (1.0 / norm));
    }
  }
  for (const auto& [start, start_direction] : ends) {
    const int own = labels.at<int>(start);
    cv::Point p = start;
    cv::Point2d d = start_direction;
    std::vector<cv::Point> path;  // traced pixels, committed up to the last one that passed
    size_t committed = 0;
    for (int step = 0; step < max_steps; ++step) {
      // The three 8-neighbours within 45° of the direction; the strongest response wins.
      const double angle = std::atan2(d.y, d.x);
      const int centre = static_cast<int>(std::lround(angle / (M_PI / 4))) & 7;
      cv::Point best(-1, -1);
      float best_value = -1;
      for (int k = -1; k <= 1; ++k) {
        const int i = (centre + k + 8) & 7;
        const cv::Point q(p.x + kDx[i], p.y + kDy[i]);
        if (q.x < 0 || q.y < 0 || q.x >= skeleton.cols || q.y >= skeleton.rows) continue;
        const float value = snr.at<float>(q);
        if (value > best_value) {
          best_value = value;
          best = q;
        }
      }
      if (best.x < 0 || inside.at<uchar>(best) == 0) break;
      if (skeleton.at<uchar>(best) != 0) {
        // Reached another line: the gap was a break in one line, join them.
        if (labels.at<int>(best) != own) committed = path.size();
        break;
      }
      path.push_back(best);
      if (passes(best)) committed = path.size();
      if (path.size() - committed > static_cast<size_t>(max_gap_px)) break;
      d = 0.9 * d + 0.1 * cv::Point2d(best - p) * (1.0 / cv::norm(best - p));
      d *= 1.0 / cv::norm(d);
      // A groove fading out keeps its course: a trace that turns away is following texture.
      if (d.dot(start_direction) < std::cos(max_turn_rad)) break;
      p = best;
    }
    for (size_t i = 0; i < committed; ++i) skeleton.at<uchar>(path[i]) = 255;
  }
}

// Index of the pixel of a path farthest from the chord between its ends.
size_t FarthestFromChord(const std::vector<cv::Point>& path) {
  const cv::Point2d a = path.front();
  const cv::Point2d b = path.back();
  const cv::Point2d ab = b - a;
  const double norm = std::max(1e-9, cv::norm(ab));
  size_t best = path.size() / 2;
  double best_distance = -1;
  for (size_t i = 1; i + 1 < path.size(); ++i) {
    const cv::Point2d ap = cv::Point2d(path[i]) - a;
    const double distance = std::abs(ab.x * ap.y - ab.y * ap.x) / norm;
    if (distance > best_distance) {
      best_distance = distance;
      best = i;
    }
  }
  return best;
}

// A chain cut at its corners is straight when its chord is at least kStraightPiece of its length
// (a gently curved groove reaches 0.99, a quarter circle 0.90), and a piece is kept when it is at
// least kMinPieceLines × the shortest line: a scar's wall (a circle of at most 8 mm) or a hooked
// line end cut into straight pieces gives none that long.
constexpr double kStraightPiece = 0.95;
constexpr double kMinPieceLines = 1.5;

// Cuts path[begin, end) at the pixel farthest from its chord, recursively, until each piece is
// straight; pieces shorter than min_piece_px are erased from the skeleton.
void SplitAtCorners(const std::vector<cv::Point>& path, size_t begin, size_t end,
                    double min_piece_px, int half_window, cv::Mat& skeleton) {
  if (end <= begin) return;
  const std::vector<cv::Point> piece(path.begin() + static_cast<long>(begin),
                                     path.begin() + static_cast<long>(end));
  const double length = piece.size() < 2 ? 0.0 : SmoothedPathLength(piece, half_window);
  if (length < min_piece_px || piece.size() < 3) {
    for (const cv::Point& p : piece) skeleton.at<uchar>(p) = 0;
    return;
  }
  if (cv::norm(piece.front() - piece.back()) >= kStraightPiece * length) return;
  const size_t corner = begin + FarthestFromChord(piece);
  skeleton.at<uchar>(path[corner]) = 0;
  SplitAtCorners(path, begin, corner, min_piece_px, half_window, skeleton);
  SplitAtCorners(path, corner + 1, end, min_piece_px, half_window, skeleton);
}

// Removes side branches (chains from a junction to a free end) shorter than `spur_px`, cuts
// chains whose chord is less than `min_straightness` × their length into straight pieces at least
// kMinPieceLines × `min_line_px` long (SplitAtCorners: two grooves converging stay, the curved
// shadowed wall of a pit or scar goes), drops closed loops, then re-traces, until nothing changes.
void CleanSkeleton(cv::Mat& skeleton, double spur_px, double min_straightness, double min_line_px,
                   int half_window) {
  for (int iteration = 0; iteration < 8; ++iteration) {
    RemoveRedundantPixels(skeleton);
    cv::Mat junctions;
    const std::vector<Chain> chains = TraceChains(skeleton, junctions);
    bool changed = false;
    for (const Chain& chain : chains) {
      const double length = SmoothedPathLength(chain.pixels, half_window);
      const bool spur = !chain.cycle && chain.junction_ends == 1 && length < spur_px;
      const double chord = cv::norm(chain.pixels.front() - chain.pixels.back());
      const bool arc = length >= spur_px && chord < min_straightness * length;
      if (arc && !chain.cycle) {
        // Straight lines meeting at an angle (converging grooves, a fork) make one bent chain
        // too: it is cut at its corners into straight pieces, and pieces at least
        // kMinPieceLines × min_line_px long are kept. The shaded wall of a scar is curved
        // throughout: cut, its pieces are too short and it goes.
        SplitAtCorners(chain.pixels, 0, chain.pixels.size(), kMinPieceLines * min_line_px,
                       half_window, skeleton);
        changed = true;
        continue;
      }
      if (spur || arc) {
        for (const cv::Point& p : chain.pixels) skeleton.at<uchar>(p) = 0;
        changed = true;
      }
    }
    if (!changed) break;
  }
  RemoveRedundantPixels(skeleton);
}

// The line response of one scale and what it is measured with.
struct LineScale {
  float max_ratio;  // |λ2| ≤ max_ratio·λ1 on a line
  float norm;       // σ² over the bar response
  float width;      // FWHM at this scale
  float noise;      // of the response at this scale
};

// One pixel of UpdateBestLineRow from its Hessian [[a, c], [c, b]].
inline void UpdateBestLine(float a, float b, float c, const LineScale& scale, float& out,
                           float& out_w, float& out_z, float& out_ab, float& out_c2) {
  // HessianEigenvalues written out: its std::pair return keeps the loop from vectorising.
  const float mean = 0.5f * (a + b);
  const float diff = std::sqrt(0.25f * (a - b) * (a - b) + c * c);
  const float l1 = mean + diff;
  const float l2 = mean - diff;
  // 0 where the pixel is not on a dark line (every map starts at 0, so 0 changes nothing).
  const bool line = (l1 > 0) & (std::abs(l2) <= scale.max_ratio * l1);
  const float v = Select(line, scale.norm * l1, 0.0f);
  const bool better = v > out;
  out = Select(better, v, out);
  out_w = Select(better, scale.width, out_w);
  out_ab = Select(better, a - b, out_ab);
  out_c2 = Select(better, 2.0f * c, out_c2);
  const float z = v / scale.noise;
  out_z = Select(z > out_z, z, out_z);
}

// The Hessian of one row from second differences of the smoothed image (central differences for
// the mixed term; beyond the border the edge row or column repeats), its eigenvalues, and the
// best-so-far maps updated, in one pass. The principal axis is kept as its two Hessian terms; its
// angle is taken only where the valley test needs it. The interior runs without index clamps or
// branches, so that it vectorises (not inlined: the caller's view of the rows loses `restrict`).
[[gnu::noinline]] void UpdateBestLineRow(const float* __restrict up, const float* __restrict row,
                                         const float* __restrict down, int cols, const LineScale s,
                                         float* __restrict out, float* __restrict out_w,
                                         float* __restrict out_z, float* __restrict out_ab,
                                         float* __restrict out_c2) {
  const auto edge = [&](int x) {
    const int xl = std::max(0, x - 1);
    const int xr = std::min(cols - 1, x + 1);
    UpdateBestLine(row[xl] - 2.0f * row[x] + row[xr], up[x] - 2.0f * row[x] + down[x],
                   0.25f * ((down[xr] - down[xl]) - (up[xr] - up[xl])), s, out[x], out_w[x],
                   out_z[x], out_ab[x], out_c2[x]);
  };
  edge(0);
  for (int x = 1; x < cols - 1; ++x) {
    UpdateBestLine(row[x - 1] - 2.0f * row[x] + row[x + 1], up[x] - 2.0f * row[x] + down[x],
                   0.25f * ((down[x + 1] - down[x - 1]) - (up[x + 1] - up[x - 1])), s, out[x],
                   out_w[x], out_z[x], out_ab[x], out_c2[x]);
  }
  if (cols > 1) edge(cols - 1);
}

// UpdateBestLineRow for a row whose Hessian terms are given (a scale computed on an octave and
// expanded back): the same update per pixel.
[[gnu::noinline]] void UpdateBestLineRowFromHessian(
    const float* __restrict a, const float* __restrict b, const float* __restrict c, int cols,
    const LineScale s, float* __restrict out, float* __restrict out_w, float* __restrict out_z,
    float* __restrict out_ab, float* __restrict out_c2) {
  for (int x = 0; x < cols; ++x) {
    UpdateBestLine(a[x], b[x], c[x], s, out[x], out_w[x], out_z[x], out_ab[x], out_c2[x]);
  }
}

// The Hessian terms [[a, c], [c, b]] of `smooth` as UpdateBestLineRow takes them (second
// differences, central differences for the mixed term, the edge repeating), times `scale`.
void HessianTerms(const cv::Mat& smooth, float scale, cv::Mat& a, cv::Mat& b, cv::Mat& c) {
  a.create(smooth.size(), CV_32F);
  b.create(smooth.size(), CV_32F);
  c.create(smooth.size(), CV_32F);
  const int rows = smooth.rows;
  const int cols = smooth.cols;
  for (int y = 0; y < rows; ++y) {
    const float* up = smooth.ptr<float>(std::max(0, y - 1));
    const float* row = smooth.ptr<float>(y);
    const float* down = smooth.ptr<float>(std::min(rows - 1, y + 1));
    float* pa = a.ptr<float>(y);
    float* pb = b.ptr<float>(y);
    float* pc = c.ptr<float>(y);
    for (int x = 0; x < cols; ++x) {
      const int xl = std::max(0, x - 1);
      const int xr = std::min(cols - 1, x + 1);
      pa[x] = scale * (row[xl] - 2.0f * row[x] + row[xr]);
      pb[x] = scale * (up[x] - 2.0f * row[x] + down[x]);
      pc[x] = scale * 0.25f * ((down[xr] - down[xl]) - (up[xr] - up[xl]));
    }
  }
}

// Bilinear sample of a CV_32F image at (x, y), clamped to the image.
float SampleBilinear(const cv::Mat& image, float x, float y) {
  x = std::clamp(x, 0.0f, static_cast<float>(image.cols - 1));
  y = std::clamp(y, 0.0f, static_cast<float>(image.rows - 1));
  const int x0 = std::min(image.cols - 2, static_cast<int>(x));
  const int y0 = std::min(image.rows - 2, static_cast<int>(y));
  const float fx = x - static_cast<float>(x0);
  const float fy = y - static_cast<float>(y0);
  const float* r0 = image.ptr<float>(y0);
  const float* r1 = image.ptr<float>(y0 + 1);
  return (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x0 + 1]) +
         fy * ((1 - fx) * r1[x0] + fx * r1[x0 + 1]);
}

// The dark-line test. The second derivative across a direction is also positive beside every
// bright feature (the lit wall of a scar, a bright streak of texture, a highlight): there the
// profile bends upwards without being a valley, and the Hessian alone takes it for a dark line.
// A pixel is a valley if the flat field one line width away on both sides (across the line) is
// brighter than the pixel's by at least `fraction` of its estimated contrast (`response`). Returns
// the pixels tested (ratio at least `min_snr` and estimated contrast at least `min_contrast`, the
// lowest any later stage uses) that are not within `reach_px` of a valley pixel: under oblique
// light a wide groove's dark wall is the valley and the rest of its ridge lies beside it, so it
// must not be holed.
cv::Mat ValleyFailures(const cv::Mat& flat, const cv::Mat& width, const cv::Mat& hessian_ab,
                       const cv::Mat& hessian_c2, const cv::Mat& response, const cv::Mat& snr,
                       float min_snr, float min_contrast, float fraction, int reach_px) {
  cv::Mat tested(flat.size(), CV_8U, cv::Scalar(0));
  cv::Mat passed(flat.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < flat.rows; ++y) {
    const float* c = flat.ptr<float>(y);
    const float* w = width.ptr<float>(y);
    const float* ab = hessian_ab.ptr<float>(y);
    const float* c2 = hessian_c2.ptr<float>(y);
    const float* r = response.ptr<float>(y);
    const float* z = snr.ptr<float>(y);
    uchar* test = tested.ptr<uchar>(y);
    uchar* pass = passed.ptr<uchar>(y);
    for (int x = 0; x < flat.cols; ++x) {
      if (z[x] < min_snr || r[x] < min_contrast) continue;
      test[x] = 255;
      const float d = std::max(1.5f, w[x]);
      const float across = 0.5f * std::atan2(c2[x], ab[x]);  // principal axis of λ1
      const float dx = d * std::cos(across);
      const float dy = d * std::sin(across);
      const auto fx = static_cast<float>(x);
      const auto fy = static_cast<float>(y);
      const float sides =
          std::min(SampleBilinear(flat, fx + dx, fy + dy), SampleBilinear(flat, fx - dx, fy - dy));
      if (sides - c[x] >= fraction * r[x]) pass[x] = 255;
    }
  }
  cv::dilate(
      passed, passed,
      cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * reach_px + 1, 2 * reach_px + 1)));
  return tested & ~passed;
}

}  // namespace

// Zhang-Suen thinning (T. Y. Zhang and C. Y. Suen, "A fast parallel algorithm for thinning
// digital patterns", CACM 27:236, 1984) of a 0/255 mask: the same two sub-iterations and stopping
// rule as OpenCV's ximgproc::thinning (THINNING_ZHANGSUEN), so the skeleton is the same pixel for
// pixel, but each sub-iteration visits only the pixels still on instead of the whole image (ridges
// cover a few per cent of it). The outermost rows and columns are never changed.
cv::Mat ThinZhangSuen(const cv::Mat& binary) {
  SKT_CHECK(binary.type() == CV_8U);
  cv::Mat image = (binary != 0) / 255;  // 0/1
  const int rows = image.rows;
  const int cols = image.cols;
  std::vector<cv::Point> on;
  for (int y = 1; y < rows - 1; ++y) {
    const uchar* row = image.ptr<uchar>(y);
    for (int x = 1; x < cols - 1; ++x) {
      if (row[x] != 0) on.emplace_back(x, y);
    }
  }
  std::vector<cv::Point> removed;
  bool changed = true;
  while (changed) {
    changed = false;
    for (int pass = 0; pass < 2; ++pass) {
      removed.clear();
      for (const cv::Point& p : on) {
        const uchar* up = image.ptr<uchar>(p.y - 1);
        const uchar* row = image.ptr<uchar>(p.y);
        const uchar* down = image.ptr<uchar>(p.y + 1);
        const int x = p.x;
        // Neighbours clockwise from north: p2 .. p9.
        const int p2 = up[x], p3 = up[x + 1], p4 = row[x + 1], p5 = down[x + 1];
        const int p6 = down[x], p7 = down[x - 1], p8 = row[x - 1], p9 = up[x - 1];
        const int transitions = (p2 == 0 && p3 == 1) + (p3 == 0 && p4 == 1) + (p4 == 0 && p5 == 1) +
                                (p5 == 0 && p6 == 1) + (p6 == 0 && p7 == 1) + (p7 == 0 && p8 == 1) +
                                (p8 == 0 && p9 == 1) + (p9 == 0 && p2 == 1);
        const int neighbours = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
        const int m1 = pass == 0 ? p2 * p4 * p6 : p2 * p4 * p8;
        const int m2 = pass == 0 ? p4 * p6 * p8 : p2 * p6 * p8;
        if (transitions == 1 && neighbours >= 2 && neighbours <= 6 && m1 == 0 && m2 == 0) {
          removed.push_back(p);
        }
      }
      if (removed.empty()) continue;
      changed = true;
      for (const cv::Point& p : removed) image.at<uchar>(p) = 0;
      on.erase(std::remove_if(on.begin(), on.end(),
                              [&](const cv::Point& p) { return image.at<uchar>(p) == 0; }),
               on.end());
    }
  }
  return image * 255;
}

double SkeletonLengthPx(const cv::Mat& skeleton, int half_window) {
  SKT_CHECK(skeleton.type() == CV_8U) << "type " << skeleton.type();
  cv::Mat clean = skeleton.clone();
  RemoveRedundantPixels(clean);
  cv::Mat junctions;
  const std::vector<Chain> chains = TraceChains(clean, junctions);
  return ChainsLengthPx(chains, half_window) + cv::countNonZero(junctions);
}

Result<WrinkleDetection> DetectWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options) {
  try {
    // Wrinkles are shadows: measured on the achromatic shading so that the edges of pigment spots
    // and redness patches are not taken for lines.
    const cv::Mat shading =
        frame.shading.empty() ? DecomposeChromophores(frame.rgb_linear).shading : frame.shading;
    const cv::Mat flat =
        ShadingFlatField(shading, frame.mask, frame.MmToPx(options.flat_field_sigma_mm));
    const cv::Mat contrast = RemoveShortDarkFeatures(flat, frame.MmToPx(options.spot_removal_mm));
    const double w_min = std::max(1.5, frame.MmToPx(options.min_width_mm));
    const double w_max = std::max(w_min * 1.5, frame.MmToPx(options.max_width_mm));
    const int scales = std::max(2, options.scales);
    const int border = static_cast<int>(std::ceil(w_max));
    WrinkleDetection detection;
    detection.detect_mask = frame.InnerMask(border);
    detection.detect_area_px = cv::countNonZero(detection.detect_mask);
    const cv::Mat& noise_mask = detection.detect_area_px > 0 ? detection.detect_mask : frame.mask;

    cv::Mat best(contrast.size(), CV_32F, cv::Scalar(0));  // estimated contrast
    cv::Mat best_width(contrast.size(), CV_32F, cv::Scalar(0));
    cv::Mat best_snr(contrast.size(), CV_32F, cv::Scalar(0));  // response / noise at its scale
    cv::Mat best_ab(contrast.size(), CV_32F, cv::Scalar(0));   // Hessian a − b at that scale
    cv::Mat best_c2(contrast.size(), CV_32F, cv::Scalar(0));   // and 2c
    cv::Mat finest;  // the flat field smoothed at the finest scale, for the valley test
    const float ratio = static_cast<float>(options.max_eigen_ratio);
    const int rows = contrast.rows;
    const int cols = contrast.cols;
    Octave octave;
    for (int i = 0; i < scales; ++i) {
      const double w = w_min * std::pow(w_max / w_min, static_cast<double>(i) / (scales - 1));
      const double sigma = w / 2.0;
      const float norm = static_cast<float>(sigma * sigma / kBarResponse);
      const float width = static_cast<float>(kFwhmPerSigma * sigma);
      // Wide scales run on an octave (octave.h): the Hessian terms are computed there, in input
      // pixels' units (a second difference over f pixels is f² times one over a pixel), and
      // expanded back. They are smooth at these scales, so bilinear expansion loses nothing, where
      // a second difference of an expanded image would not be.
      const int factor = OctaveFactor(sigma, kMinOctaveSigmaPx, contrast.size());
      if (factor != octave.factor) octave = MakeOctave(contrast, noise_mask, factor);
      const double reduced_sigma =
          std::sqrt(std::max(0.0625, sigma * sigma / (factor * factor) - octave.base_variance));
      cv::Mat smooth;
      cv::GaussianBlur(octave.values, smooth, cv::Size(), reduced_sigma, reduced_sigma,
                       cv::BORDER_REFLECT);
      // Noise of a directional second derivative at this scale, on the quieter of the two axes
      // (the same whichever way the photo is turned), in the contrast units of the line response.
      const double noise_sd =
          RobustSdOfSecondDifferences(smooth, octave.mask,
                                      std::max(2, static_cast<int>(reduced_sigma))) /
          (factor * factor);
      const float noise = std::max(1e-6f, norm * static_cast<float>(noise_sd));
      const LineScale scale{ratio, norm, width, noise};
      if (factor == 1) {
        for (int y = 0; y < rows; ++y) {
          UpdateBestLineRow(smooth.ptr<float>(std::max(0, y - 1)), smooth.ptr<float>(y),
                            smooth.ptr<float>(std::min(rows - 1, y + 1)), cols, scale,
                            best.ptr<float>(y), best_width.ptr<float>(y), best_snr.ptr<float>(y),
                            best_ab.ptr<float>(y), best_c2.ptr<float>(y));
        }
      } else {
        cv::Mat a, b, c;
        HessianTerms(smooth, 1.0f / static_cast<float>(factor * factor), a, b, c);
        a = ExpandByFactor(a, factor, contrast.size());
        b = ExpandByFactor(b, factor, contrast.size());
        c = ExpandByFactor(c, factor, contrast.size());
        for (int y = 0; y < rows; ++y) {
          UpdateBestLineRowFromHessian(a.ptr<float>(y), b.ptr<float>(y), c.ptr<float>(y), cols,
                                       scale, best.ptr<float>(y), best_width.ptr<float>(y),
                                       best_snr.ptr<float>(y), best_ab.ptr<float>(y),
                                       best_c2.ptr<float>(y));
        }
      }
      // The valley test reads the flat field before the spot removal: the closing that clears
      // pores also reshapes the inside of larger dark patches into valleys that are not there.
      if (i == 0 && options.min_valley_fraction > 0)
        cv::GaussianBlur(flat, finest, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
    }
    if (options.min_valley_fraction > 0) {
      const auto tested_snr = static_cast<float>(
          std::min({options.min_snr_follow, options.trace_snr, options.min_snr}));
      const cv::Mat fails = ValleyFailures(
          finest, best_width, best_ab, best_c2, best, best_snr, tested_snr,
          static_cast<float>(std::min(options.min_contrast, options.trace_min_contrast)),
          static_cast<float>(options.min_valley_fraction),
          std::max(1, static_cast<int>(std::ceil(0.5 * w_min))));
      best.setTo(0, fails);
      best_snr.setTo(0, fails);
    }
    // Hysteresis: lines are seeded where they stand out clearly (min_snr and min_contrast) and
    // followed along weaker ridge pixels (min_snr_follow) so their faint, tapering ends count.
    // A ridge without a seed still counts when the evidence along its whole length does.
    const cv::Mat inside = detection.detect_mask != 0;
    const cv::Mat strong = (best_snr >= static_cast<float>(options.min_snr)) &
                           (best >= static_cast<float>(options.min_contrast)) & inside;
    cv::Mat ridge = (best_snr >= static_cast<float>(options.min_snr_follow)) &
                    (best >= static_cast<float>(options.min_contrast)) & inside;
    {
      cv::Mat labels;
      const int n = cv::connectedComponents(ridge, labels, 8, CV_32S);
      std::vector<uchar> seeded(static_cast<size_t>(n), 0);
      std::vector<std::vector<float>> ridge_snr(static_cast<size_t>(n));
      std::vector<cv::Rect> ridge_box(static_cast<size_t>(n));
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const uchar* s = strong.ptr<uchar>(y);
        const float* z = best_snr.ptr<float>(y);
        for (int x = 0; x < labels.cols; ++x) {
          const auto i = static_cast<size_t>(l[x]);
          if (i == 0) continue;
          if (s[x] != 0) seeded[i] = 1;
          ridge_snr[i].push_back(z[x]);
          ridge_box[i] |= cv::Rect(x, y, 1, 1);
        }
      }
      const double min_span_px = frame.MmToPx(options.min_length_mm);
      for (size_t i = 1; i < seeded.size(); ++i) {
        const cv::Rect& box = ridge_box[i];
        if (seeded[i] != 0 || std::hypot(box.width, box.height) < min_span_px) continue;
        const size_t middle[] = {ridge_snr[i].size() / 2};
        if (SelectRanks(ridge_snr[i], middle)[0] >= options.min_line_snr) seeded[i] = 1;
      }
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        uchar* r = ridge.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x) {
          if (r[x] != 0 && seeded[static_cast<size_t>(l[x])] == 0) r[x] = 0;
        }
      }
    }
    FillSmallHoles(ridge, 0.25 * M_PI * w_max * w_max);
    cv::Mat skeleton = ThinZhangSuen(ridge);
    const int half_window =
        std::max(1, static_cast<int>(std::lround(frame.MmToPx(options.length_smoothing_mm))));
    CleanSkeleton(skeleton, frame.MmToPx(options.spur_length_mm), options.min_straightness,
                  frame.MmToPx(options.min_length_mm), half_window);
    ExtendEnds(skeleton, best_snr, best, inside, static_cast<float>(options.trace_snr),
               static_cast<float>(options.trace_min_contrast),
               std::max(1, static_cast<int>(std::lround(frame.MmToPx(options.max_gap_mm)))),
               std::max(2, static_cast<int>(std::lround(frame.MmToPx(1.0)))),
               static_cast<int>(std::lround(frame.MmToPx(options.max_extension_mm))),
               options.max_trace_turn_deg * M_PI / 180.0, frame.MmToPx(options.min_length_mm),
               half_window);
    RemoveRedundantPixels(skeleton);

    // Keep lines (connected centre lines) that are long enough.
    cv::Mat labels;
    const int n = cv::connectedComponents(skeleton, labels, 8, CV_32S);
    // Hair (AnalysisFrame::hair) is dark and thin and the ridge filter traces it as it traces a
    // fine line. Its centre line is taken out of the lines, but lines are judged long enough as
    // they were drawn: a groove that a hair crosses is still one line, and a hair that runs on
    // from a groove's end leaves the groove's length.
    if (!frame.hair.empty()) {
      skeleton.setTo(0, frame.hair);
      labels.setTo(0, frame.hair);
    }
    cv::Mat junctions;
    const std::vector<Chain> chains = TraceChains(skeleton, junctions);
    std::vector<std::vector<Chain>> line_chains(static_cast<size_t>(n));
    for (const Chain& chain : chains) {
      line_chains[static_cast<size_t>(labels.at<int>(chain.pixels.front()))].push_back(chain);
    }
    std::vector<double> line_length(static_cast<size_t>(n), 0.0);
    for (int i = 1; i < n; ++i) {
      const auto& own = line_chains[static_cast<size_t>(i)];
      line_length[static_cast<size_t>(i)] = ChainsLengthPx(own, half_window);
    }
    // Junction pixels: one pixel of length each, to their line.
    for (int y = 0; y < junctions.rows; ++y) {
      for (int x = 0; x < junctions.cols; ++x) {
        if (junctions.at<uchar>(y, x) != 0)
          line_length[static_cast<size_t>(labels.at<int>(y, x))] += 1.0;
      }
    }
    detection.centerline = cv::Mat(skeleton.size(), CV_8U, cv::Scalar(0));
    const double min_length_px = frame.MmToPx(options.min_length_mm);
    double width_length_sum = 0;
    std::vector<uchar> keep(static_cast<size_t>(n), 0);
    std::vector<double> width_sum(static_cast<size_t>(n), 0.0);
    std::vector<int> pixels(static_cast<size_t>(n), 0);
    for (int i = 1; i < n; ++i)
      keep[static_cast<size_t>(i)] = line_length[static_cast<size_t>(i)] >= min_length_px;
    // A groove darkens the luminance as much as the shading; colour noise darkens the shading
    // alone. Each line's darkening along its centre, at the finest scale, is read on both.
    if (options.min_luminance_share > 0 && frame.luminance.size() == shading.size()) {
      const double fine = 0.5 * w_min;
      if (finest.empty())
        cv::GaussianBlur(flat, finest, cv::Size(), fine, fine, cv::BORDER_REFLECT);
      cv::Mat luminance_fine =
          ShadingFlatField(NeutralLuminanceDensity(frame.luminance, shading, frame.mask,
                                                   frame.MmToPx(options.colour_sigma_mm)),
                           frame.mask, frame.MmToPx(options.flat_field_sigma_mm));
      cv::GaussianBlur(luminance_fine, luminance_fine, cv::Size(), fine, fine, cv::BORDER_REFLECT);
      std::vector<double> shading_dark(static_cast<size_t>(n), 0.0);
      std::vector<double> luminance_dark(static_cast<size_t>(n), 0.0);
      for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const float* sf = finest.ptr<float>(y);
        const float* lf = luminance_fine.ptr<float>(y);
        for (int x = 0; x < labels.cols; ++x) {
          const auto i = static_cast<size_t>(l[x]);
          if (i == 0 || keep[i] == 0) continue;
          shading_dark[i] -= sf[x];
          luminance_dark[i] -= lf[x];
        }
      }
      for (size_t i = 1; i < keep.size(); ++i) {
        if (keep[i] != 0 && shading_dark[i] > 0 &&
            luminance_dark[i] < options.min_luminance_share * shading_dark[i]) {
          keep[i] = 0;
        }
      }
    }
    for (int y = 0; y < labels.rows; ++y) {
      const int* l = labels.ptr<int>(y);
      for (int x = 0; x < labels.cols; ++x) {
        const auto i = static_cast<size_t>(l[x]);
        if (i == 0 || keep[i] == 0) continue;
        detection.centerline.at<uchar>(y, x) = 255;
        width_sum[i] += best_width.at<float>(y, x);
        ++pixels[i];
      }
    }
    for (int i = 1; i < n; ++i) {
      const auto k = static_cast<size_t>(i);
      if (keep[k] == 0) continue;
      detection.length_px += line_length[k];
      width_length_sum += width_sum[k] / pixels[k] * line_length[k];
      ++detection.count;
    }
    detection.area_px = width_length_sum;
    detection.mean_width_px = detection.length_px > 0 ? width_length_sum / detection.length_px : 0;
    // Map: contrast on the ridge pixels that belong to kept lines (dilated centre lines).
    cv::Mat to_line;  // distance to the nearest kept centre-line pixel
    cv::distanceTransform(detection.centerline == 0, to_line, cv::DIST_L2, cv::DIST_MASK_PRECISE,
                          CV_32F);
    const cv::Mat near_line = to_line <= static_cast<float>(border);
    detection.map = cv::Mat(best.size(), CV_32F, cv::Scalar(0));
    best.copyTo(detection.map, ridge & near_line);
    return detection;
  } catch (const cv::Exception& e) {
    return InternalError(std::string("wrinkle detection failed in OpenCV: ") + e.what());
  }
}

Result<MetricGroup> MeasureWrinkles(const AnalysisFrame& frame, const WrinkleOptions& options) {
  SKT_ASSIGN_OR_RETURN(WrinkleDetection detection, DetectWrinkles(frame, options));
  MetricGroup group;
  group.name = "wrinkles";
  // Per area of the skin searched (mask less a border of the widest line), like pores.
  const double area_px = std::max(1.0, detection.detect_area_px);
  if (frame.scale_known) {
    const double length_mm = detection.length_px / frame.px_per_mm;
    const double area_cm2 = area_px / (frame.px_per_mm * frame.px_per_mm) / 100.0;
    group.scalars.push_back({"length_mm_per_cm2", length_mm / area_cm2, "mm/cm^2"});
    group.scalars.push_back({"mean_width_mm", detection.mean_width_px / frame.px_per_mm, "mm"});
  } else {
    const double original_mpx = area_px / (frame.downscale * frame.downscale) / 1e6;
    group.scalars.push_back({"length_px_per_mpx",
                             detection.length_px / frame.downscale / original_mpx, "px/megapixel"});
    group.scalars.push_back({"mean_width_px", detection.mean_width_px / frame.downscale, "px"});
  }
  group.scalars.push_back({"area_pct", 100.0 * detection.area_px / area_px, "%"});
  group.scalars.push_back({"count", static_cast<double>(detection.count), "count"});
  if (detection.count == 0) group.warnings.push_back("wrinkles_none_found");
  // Fine lines narrower than 3 px cannot be told from noise: only the wider lines are counted.
  // Where even the widest line searched spans under 3 px (below 2.5 px/mm at the default 1.2 mm),
  // no line can be: a portrait of 0.7 px/mm re-saved or turned 2° read 2.5 times the length and
  // 3 lines against 7-9 (docs/METRICS.md, Resolution).
  if (frame.ScaleJudgesResolution()) {
    const double widest_px = frame.MmToPx(options.max_width_mm);
    if (widest_px < 2 * kMinResolvedPx) group.warnings.push_back("wrinkles_below_resolution");
    if (widest_px < kMinResolvedPx) group.warnings.push_back("wrinkles_unresolved");
  }
  group.maps.push_back({"wrinkles", detection.map, "relative contrast", 0.0f, 0.3f});
  return group;
}

}  // namespace skintrack::core
