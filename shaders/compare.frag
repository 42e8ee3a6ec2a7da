#version 330 core
// Before/after comparison of one tile. Every texture of a tile covers the same cell of the image
// grid, starting at its top-left corner; a texture may be smaller than the cell (image edge) or
// absent (size 0), and what falls outside it shows the background.
//
// Modes (u_mode):
//   0 before only, 1 after only (side by side draws each into its own half)
//   2 split: before left of the wipe, after right of it, a thin line at the wipe; the wipe is the
//     line dot(u_split_line.xy, image_px) = u_split_line.z (its normal points to the after side:
//     (1, 0) when the view is not turned)
//   3 blend: mix(before, after, u_mix) (blink uses 0/1, onion skin in between)
//   4 absolute difference |after - before| (encoded sRGB), scaled by u_diff_gain, colour-mapped
//   5 overlay: the metric map (red channel, value range u_map_range) colour-mapped over the image

in vec2 v_image_px;
out vec4 o_color;

uniform sampler2D u_before;
uniform sampler2D u_after;
uniform sampler2D u_map;
uniform vec4 u_tile_rect_px;
uniform vec2 u_before_size_px;
uniform vec2 u_after_size_px;
uniform vec2 u_map_size_px;
uniform int u_mode;
uniform vec3 u_split_line;
uniform float u_split_line_px;  // half width of the split line in image pixels
uniform float u_mix;
uniform float u_diff_gain;
uniform float u_overlay_alpha;
uniform int u_overlay_on_after;
uniform vec2 u_map_range;
uniform vec4 u_background;

// The skintrack sequential scale: dark blue -> teal -> green -> yellow -> near white.
// Same stops as ColourScaleStops() in src/viewer/compare_view.cpp (legend).
vec3 ColourScale(float t) {
  const vec3 c0 = vec3(0.050, 0.030, 0.280);
  const vec3 c1 = vec3(0.130, 0.370, 0.560);
  const vec3 c2 = vec3(0.150, 0.650, 0.520);
  const vec3 c3 = vec3(0.700, 0.850, 0.200);
  const vec3 c4 = vec3(0.990, 0.950, 0.600);
  t = clamp(t, 0.0, 1.0) * 4.0;
  if (t < 1.0) return mix(c0, c1, t);
  if (t < 2.0) return mix(c1, c2, t - 1.0);
  if (t < 3.0) return mix(c2, c3, t - 2.0);
  return mix(c3, c4, t - 3.0);
}

// Samples a tile texture at the fragment's image position; alpha 0 where the image has no pixel.
vec4 SampleTile(sampler2D tex, vec2 size_px) {
  if (size_px.x <= 0.0 || size_px.y <= 0.0) return vec4(0.0);
  vec2 local_px = v_image_px - u_tile_rect_px.xy;
  if (local_px.x < 0.0 || local_px.y < 0.0 || local_px.x >= size_px.x || local_px.y >= size_px.y) {
    return vec4(0.0);
  }
  return vec4(texture(tex, local_px / size_px).rgb, 1.0);
}

vec4 OverBackground(vec4 c) { return vec4(mix(u_background.rgb, c.rgb, c.a), 1.0); }

void main() {
  vec4 before = SampleTile(u_before, u_before_size_px);
  vec4 after = SampleTile(u_after, u_after_size_px);
  if (u_mode == 0) {
    o_color = OverBackground(before);
  } else if (u_mode == 1) {
    o_color = OverBackground(after);
  } else if (u_mode == 2) {
    float distance_px = dot(u_split_line.xy, v_image_px) - u_split_line.z;
    if (abs(distance_px) <= u_split_line_px) {
      o_color = vec4(1.0, 1.0, 1.0, 1.0);
    } else {
      o_color = OverBackground(distance_px < 0.0 ? before : after);
    }
  } else if (u_mode == 3) {
    vec4 c = mix(before, after, clamp(u_mix, 0.0, 1.0));
    o_color = OverBackground(c);
  } else if (u_mode == 4) {
    if (before.a == 0.0 || after.a == 0.0) {
      o_color = u_background;
    } else {
      float d = length(abs(after.rgb - before.rgb)) / sqrt(3.0);
      o_color = vec4(ColourScale(d * u_diff_gain), 1.0);
    }
  } else {
    vec4 base = u_overlay_on_after != 0 ? after : before;
    vec4 m = SampleTile(u_map, u_map_size_px);
    vec3 grey = vec3(dot(base.rgb, vec3(0.2126, 0.7152, 0.0722)));
    vec3 c = mix(base.rgb, grey, 0.6);
    if (m.a > 0.0) {
      float span = max(u_map_range.y - u_map_range.x, 1e-6);
      float t = (m.r - u_map_range.x) / span;
      // Values at the bottom of the range stay transparent so the skin remains visible.
      float alpha = u_overlay_alpha * smoothstep(0.0, 0.08, t);
      c = mix(c, ColourScale(t), alpha);
    }
    o_color = OverBackground(vec4(c, base.a));
  }
}
