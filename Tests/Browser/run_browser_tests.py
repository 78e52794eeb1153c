#!/usr/bin/env python3
"""Browser tests of the Tirek web client, through the real server and Debian's headless Chromium.

Starts `tirek serve --demo` on 127.0.0.1 and a free port, reads the demo join links it prints,
and drives a hub teacher, two classroom screens, a local teacher, a student and the admin console,
each in its own Chromium (fake camera, microphone and screen capture). Saves a screenshot of every
page to $OUT_DIR (default /tmp/tirek-browser-shots). Prints 'N passed, M failed' last and exits
non-zero on any failure. Installs chromium, chromium-driver and selenium if they are missing.

Usage: Tests/Browser/run_browser_tests.py [--binary .build/debug/tirek] [--keep-open] [--timeout 420]
"""
import argparse, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time, traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def ensure_dependencies():
    missing = [p for p, exe in (("chromium", "chromium"), ("chromium-driver", "chromedriver")) if not shutil.which(exe)]
    if missing:
        print(f"installing {' '.join(missing)} with apt-get …", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-q"], check=False, env=env)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-q"] + missing, check=True, env=env)
    try:
        import selenium  # noqa: F401
    except ImportError:
        print("installing selenium with pip …", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "selenium"], check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    LINK = re.compile(r"^\s+(hub_teacher|local_teacher|classroom|student|observer|assistant|admin)\s+(.*?)\s+(http://\S+/join\?token=\S+)\s*$")

    def __init__(self, binary, admin_key):
        self.dir = tempfile.mkdtemp(prefix="tirek-browser-")
        self.port = free_port()
        self.admin_key = admin_key
        self.log_path = os.path.join(self.dir, "server.log")
        cmd = [binary, "serve", "--demo", "--db", os.path.join(self.dir, "tirek.sqlite"), "--host", "127.0.0.1",
               "--port", str(self.port), "--admin-key", admin_key, "--public", os.path.join(ROOT, "Public"),
               "--public-url", f"http://127.0.0.1:{self.port}"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.links = []
        self.lines = []
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited:\n" + "".join(self.lines))
                continue
            self.lines.append(line)
            m = self.LINK.match(line)
            if m:
                self.links.append({"role": m.group(1), "name": m.group(2).strip(), "url": m.group(3)})
            if line.startswith("WebSocket clients connect"):
                break
        if not self.links:
            raise RuntimeError("no join links printed:\n" + "".join(self.lines))
        threading.Thread(target=self._drain, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"

    def _drain(self):
        with open(self.log_path, "a") as log:
            for line in self.proc.stdout:
                log.write(line)

    def link(self, role, index=0):
        return [l for l in self.links if l["role"] == role][index]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def make_driver(name):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required", "--window-size=1366,768",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--mute-audio",
                 "--disable-features=Translate,MediaRouter", "--auto-select-desktop-capture-source=Entire screen",
                 f"--user-data-dir={tempfile.mkdtemp(prefix=f'tirek-chrome-{name}-')}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    d.set_page_load_timeout(30)
    # The page itself (not the window with its frame) is 1366×768, the size the client must fit.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    d.tirek_name = name
    return d


class Run:
    def __init__(self, out_dir):
        self.out = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.passed, self.failed = 0, 0
        self.failures = []

    def check(self, name, fn):
        t0 = time.time()
        try:
            fn()
            self.passed += 1
            print(f"  ok    {name} ({time.time() - t0:.1f}s)", flush=True)
        except Exception as e:  # noqa: BLE001
            self.failed += 1
            self.failures.append(name)
            print(f"  FAIL  {name}: {e}", flush=True)
            if os.environ.get("TIREK_BROWSER_TRACE"):
                traceback.print_exc()

    def shot(self, driver, name):
        path = os.path.join(self.out, f"{name}.png")
        driver.save_screenshot(path)
        return path


def wait_for(driver, js, timeout=30, what=None):
    """Polls a JS expression (returning a truthy value) until it is truthy."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = driver.execute_script("return (" + js + ")")
            if last:
                return last
        except Exception as e:  # noqa: BLE001
            last = e
        time.sleep(0.3)
    raise AssertionError(f"{driver.tirek_name}: timed out waiting for {what or js} (last: {last})")


def text_of(driver, sel):
    return driver.execute_script(f"const e=document.querySelector({sel!r}); return e ? e.innerText : ''")


def click(driver, sel):
    driver.execute_script(f"document.querySelector({sel!r}).click()")


def type_into(driver, sel, text):
    from selenium.webdriver.common.by import By
    el = driver.find_element(By.CSS_SELECTOR, sel)
    el.clear()
    el.send_keys(text)


def dump_console(drivers, out):
    with open(os.path.join(out, "console.log"), "w") as f:
        for d in drivers:
            try:
                for entry in d.get_log("browser"):
                    f.write(f"[{d.tirek_name}] {entry['level']} {entry['message']}\n")
            except Exception:  # noqa: BLE001
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "tirek"))
    ap.add_argument("--timeout", type=int, default=420, help="hard limit for the whole run, seconds")
    ap.add_argument("--keep-open", action="store_true")
    args = ap.parse_args()
    out = os.environ.get("OUT_DIR", "/tmp/tirek-browser-shots")

    ensure_dependencies()
    if not os.path.exists(args.binary):
        print("building tirek …", flush=True)
        subprocess.run(["swift", "build", "--product", "tirek"], cwd=ROOT, check=True)

    def on_alarm(*_):
        print(f"browser tests: over the {args.timeout}s limit, stopping", flush=True)
        raise TimeoutError("time limit")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)

    run = Run(out)
    server = None
    drivers = []
    try:
        server = Server(args.binary, admin_key="browser-test-key")
        print(f"server on {server.base}; {len(server.links)} join links; screenshots in {out}", flush=True)
        run.check("server serves /join and ES modules", lambda: check_static(server))

        hub_link = server.link("hub_teacher")
        screens = [server.link("classroom", 0), server.link("classroom", 1)]
        local_link = server.link("local_teacher", 0)
        student_link = server.link("student", 0)

        hub = make_driver("hub"); drivers.append(hub)
        c1 = make_driver("classroom1"); drivers.append(c1)
        c2 = make_driver("classroom2"); drivers.append(c2)
        student = make_driver("student"); drivers.append(student)
        local = make_driver("local"); drivers.append(local)
        pages = {"hub": hub, "classroom1": c1, "classroom2": c2, "student": student, "local": local}

        for d, link in ((hub, hub_link), (c1, screens[0]), (c2, screens[1]), (student, student_link), (local, local_link)):
            d.get(link["url"] + "&lang=en")
            d.execute_script("localStorage.setItem('tirek.lang','en')")
        expected = {"hub": "hub_teacher", "classroom1": "classroom", "classroom2": "classroom", "student": "student", "local": "local_teacher"}

        def joined():
            for name, d in pages.items():
                wait_for(d, f"document.body.dataset.role === '{expected[name]}' && window.tirek && window.tirek.store.state.status === 'online'", 40, "welcome")
        run.check("every page joins with its role (welcome)", joined)

        def camera():
            click(hub, "#btn-camera")
            wait_for(hub, "Number(document.querySelector('#send-stats').dataset.framesSent) > 5", 30, "frames sent")
        run.check("hub teacher sends camera (VP8) and mic (Opus)", camera)

        def start():
            wait_for(hub, "!document.querySelector('#btn-start').disabled", 20, "start enabled")
            click(hub, "#btn-start")
            for name, d in pages.items():
                wait_for(d, "document.querySelector('#lesson-status')?.dataset.status === 'running'", 20, f"running on {name}")
                wait_for(d, "document.querySelector('#phase-title')?.dataset.phaseIndex === '0'", 10, f"phase 0 on {name}")
        run.check("start: every page shows phase 1 running", start)

        def decoded():
            for d in (c1, c2):
                wait_for(d, "Number(document.querySelector('#stage').dataset.framesDecoded) > 15", 40, "decoded frames")
                wait_for(d, "Number(document.querySelector('#stage').dataset.audioFrames) > 10", 20, "decoded audio")
            wait_for(student, "Number(document.querySelector('#camera-canvas').dataset.framesDecoded) > 5", 30, "student decoded")
        run.check("classroom screens decode the teacher's video and audio", decoded)
        run.shot(c1, "classroom-1-phase1")

        def hand_over():
            click(hub, "#btn-handover")
            for name, d in pages.items():
                wait_for(d, "document.querySelector('#phase-title')?.dataset.phaseIndex === '1'", 20, f"phase 2 on {name}")
        run.check("hand over: the phase changes on every page", hand_over)

        def hand():
            type_into(student, "#hand-question", "Does ice float in oil?")
            click(student, "#btn-raise")
            wait_for(student, "document.querySelector('#hand-position').dataset.position === '1'", 15, "queue position")
            wait_for(hub, "[...document.querySelectorAll('#hand-queue li.hand')].some(li => li.innerText.includes(" + repr(student_link["name"]) + "))", 15, "hand in the teacher's queue")
            run.shot(hub, "hub-teacher-hand-raised")
            hub.execute_script("document.querySelector('#hand-queue li.hand .primary').click()")
            wait_for(c1, "document.querySelector('#ov-floor')?.innerText.includes(" + repr(student_link["name"]) + ")", 15, "floor on the classroom screen")
            wait_for(student, "!document.querySelector('#btn-finish').hidden", 10, "student has the floor")
        run.check("a hand raised by the student reaches the teacher's queue; granting shows on the screens", hand)

        def chat():
            type_into(hub, "#chat-input", "Welcome, everyone! Open your notebooks.")
            click(hub, "#chat-send")
            for d in (c1, c2):
                wait_for(d, "document.querySelector('#ov-chat')?.innerText.includes('Open your notebooks')", 15, "chat overlay")
            wait_for(student, "document.querySelector('#chat-list').innerText.includes('Open your notebooks')", 15, "chat on student")
            type_into(student, "#chat-input", "Hello from Zhanakala")
            click(student, "#chat-send")
            wait_for(hub, "document.querySelector('#chat-list').innerText.includes('Hello from Zhanakala')", 15, "student message on hub")
        run.check("chat: teacher to everyone, student to the lesson", chat)

        def poll():
            type_into(hub, "#poll-question", "Will the steel ball float in mercury?")
            type_into(hub, "#poll-options", "Yes\nNo\nI am not sure")
            click(hub, "#poll-start")
            wait_for(student, "document.querySelector('#poll-list form.poll-answer')", 15, "poll on student")
            wait_for(c1, "document.querySelector('#ov-poll') && !document.querySelector('#ov-poll').hidden", 15, "poll on the screen")
            student.execute_script("document.querySelector('#poll-list form.poll-answer input[value=\"0\"]').click()")
            student.execute_script("document.querySelector('#poll-list form.poll-answer button[type=submit]').click()")
            wait_for(hub, "document.querySelector('#poll-list .results')?.innerText.includes('1 answered')", 15, "live result on hub")
            run.shot(hub, "hub-teacher-poll")
            hub.execute_script("[...document.querySelectorAll('#poll-list button')].find(b => b.textContent.includes('Close')).click()")
            wait_for(student, "document.querySelector('#poll-list .results')", 15, "results on student after close")
        run.check("poll: started, answered by the student, live per-classroom results, closed", poll)

        def share():
            click(hub, "#btn-share")
            wait_for(hub, "Number(document.querySelector('#send-stats').dataset.screenFramesSent) > 2", 30, "screen frames sent")
            wait_for(c1, "Number(document.querySelector('#stage').dataset.screenFramesDecoded) > 2", 30, "screen decoded")
        run.check("screen share (getDisplayMedia) is decoded on the classroom screen", share)
        time.sleep(1.5)
        run.shot(c2, "classroom-2-screen-share")

        def reconnect():
            before = c2.execute_script("return Number(document.querySelector('#stage').dataset.framesDecoded)")
            c2.execute_script("window.tirek.conn.ws.close()")
            wait_for(c2, "window.tirek.store.state.status === 'online'", 20, "reconnected")
            wait_for(c2, f"Number(document.querySelector('#stage').dataset.framesDecoded) > {before + 10}", 30, "picture back")
        run.check("classroom screen reconnects and the picture comes back", reconnect)

        def rollcall():
            type_into(local, "#roll-add-id", "s-zhanakala-3")
            local.execute_script("document.querySelector('#roll-add-id').form.requestSubmit()")
            wait_for(local, "document.querySelector('#rollcall tr[data-student-id=\"s-zhanakala-3\"]')", 10, "row added")
            local.execute_script("document.querySelector('#rollcall tr[data-student-id=\"s-zhanakala-3\"] .primary').click()")
            wait_for(local, "document.querySelector('#rollcall tr[data-student-id=\"s-zhanakala-3\"]')?.innerText.includes('Present')", 15, "marked present")
            type_into(local, "#raise-for-name", "Aruzhan")
            local.execute_script("document.querySelector('#raise-for-name').form.requestSubmit()")
            wait_for(hub, "document.querySelector('#hand-queue').innerText.includes('Aruzhan')", 15, "named hand in the hub queue")
        run.check("local teacher: roll call and a hand for a named student", rollcall)

        def language():
            student.execute_script("const s=document.querySelector('#lang-select'); s.value='ru'; s.dispatchEvent(new Event('change'))")
            wait_for(student, "document.body.innerText.includes('Чат')", 10, "Russian")
            local.execute_script("const s=document.querySelector('#lang-select'); s.value='kk'; s.dispatchEvent(new Event('change'))")
            wait_for(local, "document.body.innerText.includes('Түгендеу')", 10, "Kazakh")
            missing = student.execute_script("return import('/js/i18n.js').then(m => m.missingKeys())")
            assert not missing, f"missing translations: {missing}"
        run.check("interface language switches (Russian, Kazakh); every language has every string", language)

        time.sleep(1)
        for name, d in pages.items():
            run.shot(d, {"hub": "hub-teacher", "classroom1": "classroom-1", "classroom2": "classroom-2", "student": "student", "local": "local-teacher"}[name])

        def end():
            hub.execute_script("window.tirekNoConfirm = true")
            click(hub, "#btn-end")
            for name, d in pages.items():
                wait_for(d, "document.querySelector('#lesson-status')?.dataset.status === 'ended'", 20, f"ended on {name}")
        run.check("end lesson: every page shows it ended", end)

        admin = make_driver("admin"); drivers.append(admin)

        def attendance():
            admin.get(f"{server.base}/admin?lesson=demo-lesson&lang=en#attendance")
            admin.execute_script("localStorage.setItem('tirek.lang','en')")
            admin.get(f"{server.base}/admin?lesson=demo-lesson#attendance")
            wait_for(admin, "document.querySelector('#admin-key')", 15, "key form")
            type_into(admin, "#admin-key", server.admin_key)
            click(admin, "#admin-signin")
            wait_for(admin, "document.querySelectorAll('#attendance-students tbody tr[data-student-id]').length >= 6", 20, "student rows")
            wait_for(admin, "document.querySelector('#attendance .status-chart rect')", 5, "SVG chart")
            status = admin.execute_script("return document.querySelector('#attendance-students tr[data-student-id=\"s-zhanakala-1\"]').dataset.status")
            assert status in ("present", "late", "partial"), f"the student who took part is {status}"
            final = admin.execute_script("return document.querySelector('#attendance-final').dataset.final")
            assert final == "true", "report not final after the end"
            run.shot(admin, "admin-attendance")
        run.check("attendance page shows the lesson's rows, chart and final status", attendance)

        def admin_pages():
            click(admin, "#tab-lessons")
            wait_for(admin, "document.querySelectorAll('#links td.url a').length > 5", 15, "join links listed")
            run.shot(admin, "admin-lessons")
            click(admin, "#tab-live")
            wait_for(admin, "document.querySelector('#live section[data-lesson-id]')", 15, "live overview")
            run.shot(admin, "admin-live")
            click(admin, "#tab-reports")
            wait_for(admin, "document.querySelector('#reports .status-chart')", 15, "schools report")
            run.shot(admin, "admin-reports")
            click(admin, "#tab-roster")
            wait_for(admin, "document.querySelectorAll('#admin-main table').length >= 4", 15, "roster tables")
        run.check("admin console: links, live overview, reports by school, rosters", admin_pages)
    except Exception as e:  # noqa: BLE001
        run.failed += 1
        print(f"  FAIL  setup/run aborted: {e}", flush=True)
        traceback.print_exc()
    finally:
        signal.alarm(0)
        dump_console(drivers, out)
        if not args.keep_open:
            for d in drivers:
                try:
                    d.quit()
                except Exception:  # noqa: BLE001
                    pass
            if server:
                server.stop()
    print(f"screenshots: {out}")
    print(f"{run.passed} passed, {run.failed} failed")
    sys.exit(0 if run.failed == 0 else 1)


def check_static(server):
    import urllib.request, urllib.error
    with urllib.request.urlopen(server.base + "/join?token=x") as r:
        assert r.status == 200 and "join.js" in r.read().decode()
    with urllib.request.urlopen(server.base + "/js/connection.js") as r:
        assert r.headers["Content-Type"].startswith("text/javascript"), r.headers["Content-Type"]
    try:
        urllib.request.urlopen(server.base + "/js/%2e%2e/%2e%2e/Package.swift")
        raise AssertionError("traversal was served")
    except urllib.error.HTTPError as e:
        assert e.code == 404


if __name__ == "__main__":
    main()
