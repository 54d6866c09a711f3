#version 330
// The picture is display sRGB already, so it is written as it is, with no tone map.  Its
// bytes were uploaded as R, G, B into a texture Panda3D reads as B, G, R: sampling gives
// the channels swapped exactly as the views' read-back wants them (see lean_pbr.frag.glsl).

uniform sampler2D picture;

in vec2 v_uv;

out vec4 o_color;

void main() {
    if (!gl_FrontFacing) {
        o_color = vec4(0.03, 0.03, 0.03, 1.0);  // the screen's back
        return;
    }
    o_color = vec4(texture(picture, v_uv).rgb, 1.0);
}
