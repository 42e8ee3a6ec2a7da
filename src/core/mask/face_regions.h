#pragma once
// Face detection and named facial regions (forehead, left/right cheek, nose, chin).
//
// Faces are found with OpenCV's Haar cascade (Viola & Jones 2001) from the Debian package
// opencv-data (haarcascade_frontalface_default.xml), located at run time in
// $SKINTRACK_HAAR_DIR, /usr/share/opencv4/haarcascades or /usr/share/opencv/haarcascades.
// When the file is absent, FindFace returns nullopt and adds the warning "face_detector_missing":
// everything else still works, only named regions are not produced.
// Detection runs on a grey copy whose long side is 640 px; the largest face wider than 15 % of
// the image's short side that is confirmed is taken. A Haar face box alone is not enough: in
// close-ups without a scale, skin texture, pores and hair give face boxes (57 of 1440 phantom
// frames; a real close-up of cheek skin), and a false face moves the skin mask's seed, sets the
// scale from its width, clears two "eyes" and confines the regions. A box is confirmed by an eye
// found inside it (FindEyes) or, failing that, by a face from a separately trained cascade
// (haarcascade_frontalface_alt2.xml) at the same place and size.
//
// Regions are fixed proportions of the face box (frontal faces), intersected with the skin mask;
// "left"/"right" are the subject's (left_cheek is on the image's right). A region with fewer than
// 1 % of the box's pixels left after the intersection is not reported.
// Thread-safety: reentrant (each call loads its own cascade, cached per thread).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace skintrack::core {

// `image` turned clockwise by `quarter_turns` × 90° (taken modulo 4; 0: a shallow copy).
cv::Mat TurnClockwise(const cv::Mat& image, int quarter_turns);

// Where the rectangle `r` of an image of `size` lies once that image is turned clockwise by
// `quarter_turns` × 90°. The inverse is TurnRectClockwise(turned, turned size, 4 - quarter_turns).
cv::Rect TurnRectClockwise(const cv::Rect& r, cv::Size size, int quarter_turns);

// rgb_linear: CV_32FC3 (R,G,B) linear. Returns the face box in input pixels; `eyes`, when given,
// receives FindEyes of that box (the search that confirmed it; empty when the second cascade did),
// in input pixels.
//
// `quarter_turns`, when given, asks for faces lying on their side or upside down as well: a photo
// taken with the camera turned and no EXIF orientation (stripped by a messaging app or an export)
// shows the face turned by 90°, and the cascades find only upright faces. Unless an upright face
// is confirmed with both eyes, the image is also searched turned clockwise by 1, 3 and 2 quarter
// turns (the same cascades and confirmation); of the faces confirmed, the one with more eyes
// found is taken, then the larger, then the earlier orientation. *quarter_turns receives the
// clockwise quarter turns that bring the face upright (0 when upright or none is found). The face
// box and eyes are still returned in the input's own pixels; the brows, the mouth and the regions
// assume an upright face, so they are taken on the photo turned upright (CaptureSkinMask, the
// metrics stage).
//
// `tilt_deg`, when given with `quarter_turns`, asks for faces leaning to one side as well (a head
// tilted, or the camera held askew, by 15-40°): where no face is found in any orientation, the
// grey image is searched levelled by each of kTiltSearchDeg (levelling.h), and a face found there
// is taken only with both eyes found in it (on the photo levelled by the search's angle, around the
// face alone). *tilt_deg receives the face's tilt measured from its eyes' line (clockwise as
// viewed; 0 for a face found upright or turned by quarters); the box returned is the levelled
// face's box centred where the face is in the photo (it may reach past the photo's edge), and the
// eyes' boxes likewise.
//
// With `quarter_turns`, a face too small in the frame for the searches above (under about 15 % of
// the photo's short side) is searched last, upright, on the photo cropped around each of its small
// skin-coloured regions (BroadSkinLocus), unless skin colour covers much of the photo.
std::optional<cv::Rect> FindFace(const cv::Mat& rgb_linear, std::vector<std::string>& warnings,
                                 std::vector<cv::Rect>* eyes = nullptr,
                                 int* quarter_turns = nullptr, double* tilt_deg = nullptr);

// The levelling angles FindFace searches, in this order, for a face leaning to one side: with the
// cascade's own tolerance (5-15° depending on the face), faces tilted 15-40° are found.
inline constexpr double kTiltSearchDeg[] = {20.0, -20.0, 35.0, -35.0};

// Eyes inside a frontal face box (haarcascade_eye.xml, searched in the band from 15 % to 60 % of
// the box's height): at most one on each side of the face's centre line, in input pixels. Empty
// when none is found or the cascade is missing.
std::vector<cv::Rect> FindEyes(const cv::Mat& rgb_linear, const cv::Rect& face);

// Clears from `mask` an ellipse over each eye box: the eye opening with both corners and the lid
// margins. Their dark corners, lashes and lid creases are not skin to measure (they read as
// scars, pores and lines).
void ExcludeEyes(const std::vector<cv::Rect>& eyes, cv::Mat& mask);

// The mouth inside a frontal face box (haarcascade_smile.xml, which finds closed and open mouths
// alike, searched in the band from 60 % to 100 % of the box's height and 20 % to 80 % of its
// width, for boxes 25-60 % of the face's width): the largest, in input pixels. nullopt when none
// is found or the cascade is missing.
std::optional<cv::Rect> FindMouth(const cv::Mat& rgb_linear, const cv::Rect& face);

// Clears the lips from `mask`, with the teeth and mouth of an open smile. The colour mask removes
// lips only when they are redder than the skin (not an upper lip on dark skin, not teeth), and
// their edges and the gaps between teeth read as lines. Around the mouth box (reduced so it is
// 96 px wide), the skin between 1.3 and 1.8 × the box's inscribed ellipse gives the median and
// robust SD of ln R/G, ln B/G and ln Y; a pixel within 1.2 × the ellipse is lip when one of them is
// more than 3 SD from the skin's (chromaticity either way, darker, or 6 SD brighter: teeth). After
// a small closing and opening, the parts reaching inside half the ellipse are taken with their
// holes filled. When they cover under 15 % or over 120 % of the ellipse's area (lips that do not
// stand out from the skin), the ellipse itself is cleared. Widened by 2 px at that size for the lip
// border, and by 8 % of the mouth's width along its line for the corners (in a smile, dark
// creases beyond the lips). Returns the pixels cleared.
int ExcludeMouth(const cv::Mat& rgb_linear, const cv::Rect& mouth, cv::Mat& mask);

// Clears from `mask` the eyebrow above each eye box: the mask's colour and brightness rules keep
// a light or sparse brow (a brown brow on light skin, any brow on dark skin) as skin, and its
// edges then read as lines. In a window over each eye box (from 0.9 of its height above it to
// half way down, 0.3 of its width beyond each side), reduced so the eye box is 64 px wide, a
// pixel is brow when it is darker than kBrowDarkness × its background, the grey closing with a
// disc of 0.2 × the eye box's width (wider than a brow is thick, so a brow's surroundings are its
// background and the face's slow shading is not dark). That set, within the mask, is closed and
// opened at 0.03 × the width (sparse hairs joined, thin lines such as a forehead wrinkle or the
// lid crease's edge dropped); its components above the eye's centre holding at least 1 % of the
// eye box are the brow, widened by 0.04 × the width for its soft edge. Returns the pixels cleared.
int ExcludeBrows(const cv::Mat& rgb_linear, const std::vector<cv::Rect>& eyes, cv::Mat& mask);

// Named regions (CV_8U 0/255, size of `skin_mask`) for an upright frontal face box.
// With `tilt_deg` (FindFace), `face` is the levelled face's box centred on the face, and each
// region is its rectangle turned with the face about the box's centre.
std::map<std::string, cv::Mat> FaceRegions(const cv::Rect& face, const cv::Mat& skin_mask,
                                           double tilt_deg = 0);

}  // namespace skintrack::core
