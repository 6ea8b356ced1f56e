// The platform services the app's screens use, each a small interface with one implementation
// per platform (platforms/desktop/ now, platforms/android/ later) and fakes in tests/ui. The
// screens in ui/ reach the device only through these and core::Env: no SDL, GL or OS call
// lives in ui/ (scripts/check-includes enforces it).
//
// Contract of every service: calls are made from the UI thread, once per user action (never
// every frame unless stated), return quickly (a service that must wait does so in its own
// thread and answers "not yet"), and never throw.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "khaosat/core/env.hpp"

namespace khaosat::ui {

// Where the device is. Desktop: a fix configured on the command line or by KHAOSAT_LOCATION,
// else none (the question then takes a typed "lat lon" as manual entry).
class LocationService {
 public:
  virtual ~LocationService() = default;
  // The current fix as ODK's geopoint text "lat lon altitude accuracy", nullopt when there is
  // none yet.
  virtual std::optional<std::string> current_fix() = 0;
};

// Photos for upload questions. Desktop: the image files of a folder (picking a file stands in
// for the camera). A phone: the camera's last picture.
class PhotoService {
 public:
  virtual ~PhotoService() = default;
  // Image files the officer may attach, as absolute paths, in the order to show them.
  virtual std::vector<std::string> candidates() = 0;
};

// Whether a network is reachable (the offline banner). Cheap: may be called every frame.
class NetworkService {
 public:
  virtual ~NetworkService() = default;
  virtual bool online() = 0;
};

// Runs jobs off the UI thread (sync, enrollment) and hands their results back to it. A job runs
// on the worker's thread and returns a completion; the completion runs on the UI thread inside
// poll(), which the App calls once a frame. Jobs run one at a time, in the order submitted.
// Desktop: ThreadWorker (platforms/desktop), one std::thread. Destroying a worker waits for the
// running job and drops completions not yet polled.
class Worker {
 public:
  using Done = std::function<void()>;  // runs on the UI thread
  using Job = std::function<Done()>;   // runs on the worker's thread; may return an empty Done
  virtual ~Worker() = default;
  virtual void submit(Job job) = 0;
  // Runs the completions of finished jobs. UI thread, every frame; cheap when nothing finished.
  virtual void poll() = 0;
};

// Where the app keeps its files.
struct StoragePaths {
  std::string database;       // the device store (core::Store)
  std::string settings;       // the app's settings file (JSON: language, text size)
  std::string builtin_forms;  // folder of the built-in forms (forms/*.md and their media)
};

// Everything the platform hands the app. Pointers are borrowed: they outlive the App.
struct Services {
  core::Env* env = nullptr;  // clock, files (settings); null: core::Env::default_env()
  LocationService* location = nullptr;
  PhotoService* photo = nullptr;
  NetworkService* network = nullptr;
  Worker* worker = nullptr;  // polled every frame when set (StoreSync submits to it)
  StoragePaths paths;
};

}  // namespace khaosat::ui
