#version 330
// A stage screen: an unlit card showing its picture (see stage_screens.py).

uniform mat4 p3d_ModelViewProjectionMatrix;

in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;

out vec2 v_uv;

void main() {
    // The picture's rows are uploaded top first; OpenGL's first row is the bottom one.
    v_uv = vec2(p3d_MultiTexCoord0.x, 1.0 - p3d_MultiTexCoord0.y);
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
