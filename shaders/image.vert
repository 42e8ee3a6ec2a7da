#version 330 core
// Draws one tile of the image grid as a quad. Positions are in image pixels of the baseline
// (x right, y down); u_view maps them to normalized device coordinates:
//   ndc = image_px * u_view.xy + u_view.zw

layout(location = 0) in vec2 a_corner;  // (0,0) .. (1,1)

uniform vec4 u_tile_rect_px;  // x0, y0, width, height of the tile cell in image pixels
uniform vec4 u_view;          // scale.xy, offset.zw

out vec2 v_image_px;

void main() {
  v_image_px = u_tile_rect_px.xy + a_corner * u_tile_rect_px.zw;
  gl_Position = vec4(v_image_px * u_view.xy + u_view.zw, 0.0, 1.0);
}
