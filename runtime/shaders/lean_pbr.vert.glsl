#version 330
// Lean metallic-roughness shading for software rasterisation: see lean_pbr.frag.glsl.

uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelViewMatrix;
uniform mat3 p3d_NormalMatrix;
uniform mat4 p3d_TextureMatrix;
uniform mat4 p3d_ViewMatrix;
uniform vec3 key_direction_world;
#if LIGHTS > 0
uniform vec4 light_position[LIGHT_SLOTS];  // world
uniform vec4 light_spot[LIGHT_SLOTS];      // world, the way a spot light shines
// Per vertex rather than per pixel: the compiled-in lights' view-space places cost
// llvmpipe a quarter of a 4-light frame when the fragment shader makes them.
flat out vec3 v_light_position[LIGHTS];
flat out vec3 v_light_spot[LIGHTS];
#endif

#ifdef SKINNING
// Hardware skinning (a Character's nodes, ShaderAttrib.F_hardware_skinning): Panda3D
// hands each vertex up to four joint indices and weights and the joints' current
// matrices; SKINNING is the table's size, the gate's max_joints.
uniform mat4 p3d_TransformTable[SKINNING];
in vec4 transform_weight;
in uvec4 transform_index;
#endif

in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Tangent;
in vec2 p3d_MultiTexCoord0;
in vec4 p3d_Color;
#ifdef MULTI_UV
// A geom's textures sample two UV sets (glTF's texCoord, or a set the gate made when it
// baked a texture transform).  Panda3D binds p3d_MultiTexCoordN to the UV set of the
// geom's N-th texture stage, so texcoord_stages says which stage carries the first set and
// which the second (runtime/materials.py); v_uv and v_uv1 are those two sets.
// Texture transforms are baked into the UVs by the gate: the second set has no matrix.
in vec2 p3d_MultiTexCoord1;
in vec2 p3d_MultiTexCoord2;
in vec2 p3d_MultiTexCoord3;
uniform vec2 texcoord_stages;
out vec2 v_uv1;

vec2 stage_uv(float stage) {
    int n = int(stage + 0.5);
    return n == 0 ? p3d_MultiTexCoord0 : n == 1 ? p3d_MultiTexCoord1
        : n == 2 ? p3d_MultiTexCoord2 : p3d_MultiTexCoord3;
}
#endif

out vec3 v_position;
out vec3 v_normal;
out vec4 v_tangent;
out vec2 v_uv;
out vec4 v_color;
flat out vec3 v_key_direction;
flat out vec3 v_up_direction;
#ifdef IBL
uniform vec3 environment_sh[9];  // irradiance / pi, world directions
uniform mat4 p3d_ViewMatrixInverse;
out vec3 v_irradiance;  // SH9 diffuse light for the vertex's normal (see the fragment shader)
#endif

void main() {
#ifdef SKINNING
    mat4 skin = p3d_TransformTable[transform_index.x] * transform_weight.x
        + p3d_TransformTable[transform_index.y] * transform_weight.y
        + p3d_TransformTable[transform_index.z] * transform_weight.z
        + p3d_TransformTable[transform_index.w] * transform_weight.w;
    vec4 vertex = skin * p3d_Vertex;
    vec3 normal = mat3(skin) * p3d_Normal;
    vec3 tangent = mat3(skin) * p3d_Tangent.xyz;
#else
    vec4 vertex = p3d_Vertex;
    vec3 normal = p3d_Normal;
    vec3 tangent = p3d_Tangent.xyz;
#endif
    v_position = (p3d_ModelViewMatrix * vertex).xyz;
    v_normal = p3d_NormalMatrix * normal;
    v_tangent = vec4(p3d_NormalMatrix * tangent, p3d_Tangent.w);
#ifdef MULTI_UV
    v_uv = (p3d_TextureMatrix * vec4(stage_uv(texcoord_stages.x), 0.0, 1.0)).xy;
    v_uv1 = stage_uv(texcoord_stages.y);
#else
    v_uv = (p3d_TextureMatrix * vec4(p3d_MultiTexCoord0, 0.0, 1.0)).xy;
#endif
    v_color = p3d_Color;
    v_key_direction = normalize(mat3(p3d_ViewMatrix) * key_direction_world);
    v_up_direction = normalize(mat3(p3d_ViewMatrix) * vec3(0.0, 0.0, 1.0));
#if LIGHTS > 0
    for (int i = 0; i < LIGHTS; ++i) {
        v_light_position[i] = (p3d_ViewMatrix * vec4(light_position[i].xyz, 1.0)).xyz;
        v_light_spot[i] = normalize(mat3(p3d_ViewMatrix) * light_spot[i].xyz);
    }
#endif
#ifdef IBL
    vec3 w = normalize(mat3(p3d_ViewMatrixInverse) * v_normal);
    v_irradiance = max(environment_sh[0]
        + environment_sh[1] * w.y + environment_sh[2] * w.z + environment_sh[3] * w.x
        + environment_sh[4] * (w.x * w.y) + environment_sh[5] * (w.y * w.z)
        + environment_sh[6] * (3.0 * w.z * w.z - 1.0) + environment_sh[7] * (w.x * w.z)
        + environment_sh[8] * (w.x * w.x - w.y * w.y), vec3(0.0));
#endif
    gl_Position = p3d_ModelViewProjectionMatrix * vertex;
}
