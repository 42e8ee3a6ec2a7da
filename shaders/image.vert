#version 330 core
// Draws one tile of the image grid as a quad. Positions are in image pixels of the baseline
// (x right, y down); the view turns them about the view centre by u_turn (a quarter-turn matrix:
// the photo shown turned, as a sideways-taken face stands upright) and scales them to normalized
// device coordinates:
//   ndc = (u_turn * (image_px - u_view.zw)) * u_view.xy

layout(location = 0) in vec2 a_corner;  // (0,0) .. (1,1)

uniform vec4 u_tile_rect_px;  // x0, y0, width, height of the tile cell in image pixels
uniform vec4 u_view;          // scale.xy, view centre in image pixels .zw
uniform mat2 u_turn;          // image offsets to view offsets (identity when not turned)

out vec2 v_image_px;

void main() {
  v_image_px = u_tile_rect_px.xy + a_corner * u_tile_rect_px.zw;
  gl_Position = vec4((u_turn * (v_image_px - u_view.zw)) * u_view.xy, 0.0, 1.0);
}
