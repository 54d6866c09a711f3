#version 330
// (Panda3D 1.10 names the glTF slots by stage mode: Modulate = base colour,
// Selector = metallic-roughness.)
// Metallic-roughness PBR written for llvmpipe: one key light and LIGHTS point or spot
// lights (GGX, Smith, Schlick; glTF's inverse square with its range cut-off and smooth
// cone), a hemisphere ambient with a roughness-blurred specular term darkened by the
// occlusion map, three texture samples (four for emissive materials) and an inline tone
// map, so there is no post pass.  LIGHTS is a compile-time count (each view's chosen
// lights fill LIGHT_SLOTS arrays): llvmpipe runs a shader with a loop of uniform length
// at half speed even when it loops zero times, so a scene without point lights compiles
// with LIGHTS 0 and draws exactly as before they existed.  Output is display sRGB with
// red and blue swapped, so the BGRA read-back holds R, G, B in memory order.
// With IBL the hemisphere gives way to the venue's environment (runtime/environment.py):
// diffuse from nine spherical-harmonic coefficients evaluated per vertex (the light
// changes slowly over a surface; per pixel it cost llvmpipe a sixth of the frame; a
// normal map's detail shows in the direct and specular light only), specular from a
// prefiltered cube map at the mip level nearest the roughness's (bilinear, not
// trilinear: half the texel fetches) times Karis' analytic split-sum (no lookup texture).
// Materials (docs/materials.md): a clearcoat adds a second, environment-only specular
// lobe; transmission lowers alpha (no refraction), each compiled in (CLEARCOAT,
// TRANSMISSION) only for a scene that has such a material; emissive strength arrives folded into
// the emission by the gate.  MULTI_UV (a scene where a material's textures read two UV
// sets) picks each texture's set from texcoord_set; otherwise every texture uses one.

uniform struct p3d_MaterialParameters {
    vec4 baseColor;
    vec4 emission;
    float roughness;
    float metallic;
} p3d_Material;

uniform vec4 p3d_ColorScale;
uniform sampler2D p3d_TextureModulate;
uniform sampler2D p3d_TextureSelector;
uniform sampler2D p3d_TextureNormal;
uniform sampler2D p3d_TextureEmission;  // white when the material has none

uniform vec3 key_color;       // linear
uniform vec3 sky_color;       // linear, ambient from above
uniform vec3 ground_color;    // linear, ambient from below
uniform float exposure;
uniform vec4 light_position[LIGHT_SLOTS];  // w: range (0: unlimited); xyz: see v_light_position
uniform vec4 light_color[LIGHT_SLOTS];   // linear, house units at 1 m; w: cone offset
uniform vec4 light_spot[LIGHT_SLOTS];    // w: cone scale (0: a point light)
uniform float occlusion_strength;       // glTF's occlusion strength; 0: no map (R of Selector)
uniform vec2 clearcoat;                 // KHR_materials_clearcoat: factor, roughness
uniform float transmission;             // KHR_materials_transmission factor
#ifdef IBL
uniform samplerCube environment_map;    // world directions (Z up), roughness by mip level
uniform float environment_lod;          // the roughest level
uniform mat4 p3d_ViewMatrixInverse;
#endif

in vec3 v_position;
in vec3 v_normal;
in vec4 v_tangent;
in vec2 v_uv;
#ifdef MULTI_UV
in vec2 v_uv1;
uniform vec4 texcoord_set;  // v_uv (0) or v_uv1 (1) for Modulate, Selector, Normal, Emission
#define UV(slot) (texcoord_set[slot] > 0.5 ? v_uv1 : v_uv)
#else
#define UV(slot) v_uv
#endif
in vec4 v_color;
#ifdef IBL
in vec3 v_irradiance;  // the venue's SH9 diffuse light, per vertex
#endif
flat in vec3 v_key_direction;  // view space, towards the key light
flat in vec3 v_up_direction;   // view space
#if LIGHTS > 0
flat in vec3 v_light_position[LIGHTS];  // view space (the vertex shader moves them there)
flat in vec3 v_light_spot[LIGHTS];      // view space, unit: the way a spot light shines
#endif

out vec4 o_color;

const float PI = 3.14159265;

vec3 shading_normal() {
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
#ifdef MOVING
    // While the camera moves: the interpolated normal (a normal map's detail is lost at
    // preview size, and its sample and tangent frame cost a quarter of the frame).
    return n;
#else
    float tangent_length = length(v_tangent.xyz);
    if (tangent_length < 1e-4) {
        return n;
    }
    // A tangent along the normal (AnimatedMorphCube's +-X faces, as the file gives them)
    // leaves nothing to orthogonalise: normalize() would make NaN, drawn as speckles.
    vec3 t_across = v_tangent.xyz - n * dot(n, v_tangent.xyz);
    if (dot(t_across, t_across) < 1e-6 * tangent_length * tangent_length) {
        return n;
    }
    vec3 t = normalize(t_across);
    vec3 b = cross(n, t) * v_tangent.w;
    vec3 m = texture(p3d_TextureNormal, UV(2)).rgb * 2.0 - 1.0;
    return normalize(mat3(t, b, n) * m);
#endif
}

// Light arriving from direction ``l`` (view space, unit) with ``radiance``, reflected
// towards ``v``: GGX distribution, Smith visibility, Schlick Fresnel.
vec3 direct(vec3 n, vec3 v, vec3 l, vec3 radiance, vec3 diffuse, vec3 f0, float alpha, float n_v) {
    float n_l = max(dot(n, l), 0.0);
    vec3 h = normalize(l + v);
    float n_h = max(dot(n, h), 0.0);
    float v_h = max(dot(v, h), 0.0);
    vec3 fresnel = f0 + (1.0 - f0) * exp2((-5.55473 * v_h - 6.98316) * v_h);
    float a2 = alpha * alpha;
    float d_term = n_h * n_h * (a2 - 1.0) + 1.0;
    float distribution = a2 / (PI * d_term * d_term);
    float visibility = 0.5 / (n_l * (n_v * (1.0 - alpha) + alpha) + n_v * (n_l * (1.0 - alpha) + alpha) + 1e-5);
    return n_l * radiance * (diffuse / PI * (1.0 - fresnel) + fresnel * distribution * visibility);
}

// What the surroundings reflect along ``r`` (view space) at ``roughness``.
vec3 environment_specular(vec3 r, float roughness) {
#ifdef IBL
    return textureLod(environment_map, mat3(p3d_ViewMatrixInverse) * r, roughness * environment_lod).rgb;
#else
    float r_up = dot(r, v_up_direction) * 0.5 + 0.5;
    return mix(ground_color, sky_color, mix(r_up, 0.5, roughness));
#endif
}

void main() {
    vec4 base = p3d_Material.baseColor * v_color * p3d_ColorScale * texture(p3d_TextureModulate, UV(0));
    vec4 mr = texture(p3d_TextureSelector, UV(1));
    float metallic = clamp(p3d_Material.metallic * mr.b, 0.0, 1.0);
    float roughness = clamp(p3d_Material.roughness * mr.g, 0.04, 1.0);
    float alpha = roughness * roughness;

    vec3 n = shading_normal();
    vec3 v = normalize(-v_position);
    float n_v = max(abs(dot(n, v)), 1e-3);
    vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
    vec3 diffuse = base.rgb * (1.0 - metallic);

    vec3 color = direct(n, v, v_key_direction, key_color, diffuse, f0, alpha, n_v);

#if LIGHTS > 0
    for (int i = 0; i < LIGHTS; ++i) {  // a constant count: unrolled by the compiler
        vec3 to_light = v_light_position[i] - v_position;
        float d2 = max(dot(to_light, to_light), 1e-4);
        vec3 l = to_light * inversesqrt(d2);
        // glTF's recommended falloff: inverse square, brought smoothly to zero at range.
        float falloff = 1.0 / d2;
        float range = light_position[i].w;
        if (range > 0.0) {
            float q = d2 / (range * range);
            falloff *= clamp(1.0 - q * q, 0.0, 1.0);
        }
        float cone_scale = light_spot[i].w;
        if (cone_scale > 0.0) {
            float cd = dot(v_light_spot[i], -l);
            float cone = clamp(cd * cone_scale + light_color[i].w, 0.0, 1.0);
            falloff *= cone * cone;
        }
        color += direct(n, v, l, light_color[i].rgb * falloff, diffuse, f0, alpha, n_v);
    }
#endif

    vec3 r = reflect(-v, n);
    float occlusion = 1.0 + occlusion_strength * (mr.r - 1.0);
#ifdef IBL
    // Indirect light from the venue: SH9 irradiance for diffuse, the prefiltered map
    // times Karis' EnvBRDFApprox (F0 * A + B) for specular; occlusion darkens both.
    vec3 irradiance = v_irradiance;
    vec4 k = roughness * vec4(-1.0, -0.0275, -0.572, 0.022) + vec4(1.0, 0.0425, 1.04, -0.04);
    float a004 = min(k.x * k.x, exp2(-9.28 * n_v)) * k.x + k.y;
    vec2 ab = vec2(-1.04, 1.04) * a004 + k.zw;
    vec3 specular = environment_specular(r, roughness) * (f0 * ab.x + ab.y);
    color += occlusion * (diffuse * max(irradiance, vec3(0.0)) + specular);
#else
    // Indirect light: a hemisphere from sky_color above to ground_color below, darkened
    // by the occlusion map only.
    float up = dot(n, v_up_direction) * 0.5 + 0.5;
    vec3 ambient = mix(ground_color, sky_color, up);
    vec3 ambient_fresnel = f0 + (max(vec3(1.0 - roughness), f0) - f0) * pow(1.0 - n_v, 5.0);
    color += occlusion * (diffuse * ambient + environment_specular(r, roughness) * ambient_fresnel * (1.0 - 0.6 * roughness));
#endif
#ifdef CLEARCOAT
    if (clearcoat.x > 0.0) {
        // A clear varnish over everything: Schlick at F0 0.04 (IOR 1.5) on the geometric
        // reflection, which takes its share of what lies below (uniform branch).
        float cc_fresnel = clearcoat.x * (0.04 + 0.96 * pow(1.0 - n_v, 5.0));
        color = color * (1.0 - cc_fresnel)
            + occlusion * cc_fresnel * environment_specular(r, max(clearcoat.y, 0.04));
    }
#endif
    if (any(greaterThan(p3d_Material.emission.rgb, vec3(0.0)))) {
        // Uniform branch: only emissive materials pay for the fourth sample.
        color += p3d_Material.emission.rgb * texture(p3d_TextureEmission, UV(3)).rgb;
    }
    float opacity = base.a;
#ifdef TRANSMISSION
    if (transmission > 0.0) {
        // Transmission as see-through: what is behind shows in proportion to the light
        // not reflected (Schlick on the view angle); no refraction, no tint.
        float fresnel = 0.04 + 0.96 * pow(1.0 - n_v, 5.0);
        opacity *= 1.0 - transmission * (1.0 - fresnel);
    }
#endif

    color *= exposure;
    color = max(vec3(0.0), color - 0.004);
    color = (color * (6.2 * color + 0.5)) / (color * (6.2 * color + 1.7) + 0.06);
    o_color = vec4(color.bgr, opacity);
}
