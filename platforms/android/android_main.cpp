// Outline (not built here; README.md): SDL_main for Android. The loop is the desktop app's
// (platforms/desktop/main.cpp) with GLES 3, Android's dp, storage under the app's internal
// folder and services through JNI (KhaosatActivity.java).
#include <SDL.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <jni.h>

#include <string>

#include "khaosat/ui/app.hpp"
#include "khaosat/ui/theme.hpp"

namespace {

// Calls a static String/boolean method of KhaosatActivity.
std::string call_string(const char* name) {
  auto* env = static_cast<JNIEnv*>(SDL_AndroidGetJNIEnv());
  jclass cls = env->FindClass("vn/laichau/khaosat/KhaosatActivity");
  jmethodID m = env->GetStaticMethodID(cls, name, "()Ljava/lang/String;");
  auto s = static_cast<jstring>(env->CallStaticObjectMethod(cls, m));
  const char* utf = env->GetStringUTFChars(s, nullptr);
  std::string out = utf;
  env->ReleaseStringUTFChars(s, utf);
  return out;
}

struct AndroidLocation : khaosat::ui::LocationService {
  std::optional<std::string> current_fix() override {
    std::string fix = call_string("lastFix");
    return fix.empty() ? std::nullopt : std::optional<std::string>(fix);
  }
};

struct AndroidNetwork : khaosat::ui::NetworkService {
  bool online() override {
    auto* env = static_cast<JNIEnv*>(SDL_AndroidGetJNIEnv());
    jclass cls = env->FindClass("vn/laichau/khaosat/KhaosatActivity");
    return env->CallStaticBooleanMethod(cls, env->GetStaticMethodID(cls, "online", "()Z"));
  }
};

}  // namespace

extern "C" int SDL_main(int, char**) {
  SDL_Init(SDL_INIT_VIDEO);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_ES);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_Window* window = SDL_CreateWindow("Khảo sát", 0, 0, 0, 0, SDL_WINDOW_OPENGL | SDL_WINDOW_FULLSCREEN);
  SDL_GLContext gl = SDL_GL_CreateContext(window);
  ImGui::CreateContext();
  ImGui_ImplSDL2_InitForOpenGL(window, gl);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  float ddpi = 160;
  SDL_GetDisplayDPI(0, &ddpi, nullptr, nullptr);
  std::string files = SDL_AndroidGetInternalStoragePath();
  AndroidLocation location;
  AndroidNetwork network;
  khaosat::ui::AppOptions options;
  options.services.location = &location;
  options.services.network = &network;
  // Built-in forms are copied from the APK's assets to files/forms at first start (not written).
  options.services.paths = {files + "/device.db", files + "/settings.json", files + "/forms"};
  options.dp = ddpi / 160.0f;
  khaosat::ui::apply_style(options.dp);
  auto app = khaosat::ui::App::open(options);
  if (!app) {
    SDL_ShowSimpleMessageBox(SDL_MESSAGEBOX_ERROR, "Khảo sát", app.error().message.c_str(), window);
    return 1;
  }
  // The frame loop: the desktop app's, with SDLK_AC_BACK -> App::back() (not written here).
  return 0;
}
