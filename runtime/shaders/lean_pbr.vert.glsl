#version 330
// Lean metallic-roughness shading for software rasterisation: see lean_pbr.frag.glsl.

uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelViewMatrix;
uniform mat3 p3d_NormalMatrix;
uniform mat4 p3d_TextureMatrix;
uniform mat4 p3d_ViewMatrix;
uniform vec3 key_direction_world;
uniform int light_count;                    // the view's chosen point and spot lights
uniform vec4 light_position[MAX_LIGHTS];    // world; w: range (0: unlimited)
uniform vec4 light_spot[MAX_LIGHTS];        // world direction it shines along; w: cone scale

in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Tangent;
in vec2 p3d_MultiTexCoord0;
in vec4 p3d_Color;

out vec3 v_position;
out vec3 v_normal;
out vec4 v_tangent;
out vec2 v_uv;
out vec4 v_color;
flat out vec3 v_key_direction;
flat out vec3 v_up_direction;
flat out vec4 v_light_position[MAX_LIGHTS];  // view space; w: range
flat out vec3 v_light_spot[MAX_LIGHTS];      // view space

void main() {
    v_position = (p3d_ModelViewMatrix * p3d_Vertex).xyz;
    v_normal = p3d_NormalMatrix * p3d_Normal;
    v_tangent = vec4(p3d_NormalMatrix * p3d_Tangent.xyz, p3d_Tangent.w);
    v_uv = (p3d_TextureMatrix * vec4(p3d_MultiTexCoord0, 0.0, 1.0)).xy;
    v_color = p3d_Color;
    v_key_direction = normalize(mat3(p3d_ViewMatrix) * key_direction_world);
    v_up_direction = normalize(mat3(p3d_ViewMatrix) * vec3(0.0, 0.0, 1.0));
    for (int i = 0; i < light_count; ++i) {
        // Per vertex, not per fragment: the lights' view-space places cost a few
        // multiplies per corner instead of per pixel.
        v_light_position[i] = vec4((p3d_ViewMatrix * vec4(light_position[i].xyz, 1.0)).xyz, light_position[i].w);
        v_light_spot[i] = mat3(p3d_ViewMatrix) * light_spot[i].xyz;
    }
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
