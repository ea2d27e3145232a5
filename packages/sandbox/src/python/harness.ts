/**
 * The Python side of the runtime, run once when the interpreter starts. It cuts the interpreter off
 * from the JavaScript bridge, installs an audit hook that refuses what a `code` node may not do,
 * takes a snapshot of the interpreter's shared state, and defines `weft_run`, which runs one job and
 * restores that state afterwards so that one job cannot leave anything for the next.
 *
 * `weft_run(source, input_json)` answers a JSON string:
 * `{"ok": true, "output": "<json>"}` or `{"ok": false, "kind": ..., "message": ..., "line": ..., "column": ...}`.
 */
export const PYTHON_HARNESS = String.raw`
import ast, builtins, gc, json, os, random, signal, sys, types

# --- cut the bridge to JavaScript -------------------------------------------------------------

_BRIDGE = ('js', 'pyodide', '_pyodide', '_pyodide_core', 'pyodide_js', 'micropip')

def _is_bridge(name):
    return any(name == b or name.startswith(b + '.') for b in _BRIDGE)

from pyodide.ffi import JsProxy as _JsProxy, jsnull as _jsnull

for _finder in list(sys.meta_path):
    if type(_finder).__module__.startswith('_pyodide'):
        sys.meta_path.remove(_finder)
_bridge_ids = set()
for _name in [n for n in sys.modules if _is_bridge(n)]:
    _module = sys.modules.pop(_name)
    _bridge_ids.add(id(_module))
    # Functions of these modules stay reachable through object.__subclasses__(); emptying their
    # globals leaves them nothing that leads to a JavaScript object.
    if isinstance(_module, types.ModuleType) and _name != '_pyodide_core':
        _module.__dict__.clear()
for _name in [n for n, v in vars(sys.modules['__main__']).items() if id(v) in _bridge_ids]:
    delattr(sys.modules['__main__'], _name)
# json answers Pyodide's proxy of JavaScript null; user code has no such value to encode.
for _module in list(sys.modules.values()):
    if getattr(_module, '_JSNULL', None) is _jsnull:
        _module._JSNULL = object()
del _finder, _name, _module

def _bridge_holders():
    """Objects the collector knows, outside the bridge itself, that refer to a JavaScript object or
    to a bridge module."""
    found = []
    def bad(r):
        if isinstance(r, _JsProxy) and r is not _jsnull:  # a proxy of JS null holds nothing
            return True
        if isinstance(r, types.BuiltinFunctionType):
            r = r.__self__
        return isinstance(r, types.ModuleType) and id(r) in _bridge_ids
    for o in gc.get_objects():
        if bad(o) or _is_bridge(type(o).__module__) or isinstance(o, dict) and _is_bridge(str(o.get('__name__', ''))):
            continue  # the bridge itself: reachable only through what refers to it
        if isinstance(o, list) and all(x is None or isinstance(x, types.ModuleType) for x in o):
            continue  # the interpreter's index of extension modules, which only C code reads
        for r in gc.get_referents(o):
            inner = [r]
            if isinstance(r, (dict, list, tuple)) and not gc.is_tracked(r):
                inner.extend(r.values() if isinstance(r, dict) else r)
            if any(bad(x) for x in inner):
                where = [k for k, v in o.items() if v is r] if isinstance(o, dict) else ''
                found.append(f'{type(o).__name__} {where} {o.get("__name__", "") if isinstance(o, dict) else ""} -> {r!r:.60}')
    return found

gc.collect()
_holders = _bridge_holders()
if _holders:
    raise RuntimeError('the JavaScript bridge is still reachable from: ' + '; '.join(_holders[:5]))
del _holders

# --- what user code may not do ---------------------------------------------------------------
# The audit hook refuses unless the harness has marked a short window of its own as trusted. That
# mark lives only in these globals, which no object user code can reach leads to: the harness
# defines no class (object.__subclasses__() would list it) and hands user code no function of its
# own (their __globals__ would be these); frames, which would lead here too, are refused.

_FORBIDDEN_EVENTS = frozenset((
    'os.system', 'os.exec', 'os.posix_spawn', 'os.spawn', 'os.fork', 'os.forkpty', 'os.kill',
    'os.killpg', 'subprocess.Popen', 'code.__new__', 'function.__new__', 'os.remove', 'os.rename', 'os.rmdir', 'os.mkdir', 'os.chmod',
    'os.chown', 'os.link', 'os.symlink', 'os.truncate', 'os.utime', 'os.chdir', 'os.chflags',
    'os.lchflags', 'os.putenv', 'os.unsetenv', 'os.startfile', 'os.scandir', 'os.listdir',
    'glob.glob', 'shutil.copyfile', 'shutil.copymode', 'shutil.copystat', 'shutil.copytree',
    'shutil.move', 'shutil.rmtree', 'shutil.make_archive', 'shutil.chown', 'shutil.unpack_archive',
    'tempfile.mkstemp', 'tempfile.mkdtemp', 'sys._getframe', 'sys._current_frames',
    'sys._current_exceptions', 'sys.settrace', 'sys.setprofile', 'sys.addaudithook',
    'gc.get_objects', 'gc.get_referrers', 'gc.get_referents', 'gc.freeze', 'sys.remote_exec',
    'sys.set_asyncgen_hooks_firstiter', 'sys.set_asyncgen_hooks_finalizer', 'marshal.loads',
    'marshal.load', 'cpython._PySys_ClearAuditHooks', 'mmap.__new__', 'fcntl.fcntl', 'fcntl.ioctl',
    'fcntl.flock', 'fcntl.lockf', 'resource.setrlimit', 'resource.prlimit', 'sqlite3.connect',
    'sqlite3.load_extension', 'urllib.Request', 'http.client.connect', 'ftplib.connect',
    'smtplib.connect', 'poplib.connect', 'imaplib.open', 'webbrowser.open',
))
_FORBIDDEN_EVENT_PREFIXES = ('ctypes.', 'socket.', 'winreg.', 'msvcrt.', '_winapi.')
# Frames lead to the harness's own frames and globals.
_FRAME_ATTRIBUTES = frozenset(('tb_frame', 'gi_frame', 'cr_frame', 'ag_frame', 'f_back'))
# Modules nothing here loads: refused whoever imports them.
_MODULES_NEVER = ('ctypes', '_ctypes', '_posixsubprocess', 'multiprocessing', '_multiprocessing',
                  'mmap')
_STDLIB_PREFIXES = ('/lib/python314.zip', '/lib/python3.14/')
_trusted = False

def _listed(name, modules):
    return any(name == m or name.startswith(m + '.') for m in modules)

def _refuse(what):
    raise PermissionError(what + ' is not allowed in a code node')

def _audit(event, args):
    if _trusted:
        return
    if event in _FORBIDDEN_EVENTS or event.startswith(_FORBIDDEN_EVENT_PREFIXES):
        _refuse(event)
    if event == 'import' and (_is_bridge(args[0]) or _listed(args[0], _MODULES_NEVER)):
        _refuse('importing ' + args[0])
    if event == 'object.__getattr__' and args[1] in _FRAME_ATTRIBUTES:
        _refuse('reading ' + args[1])
    if event == 'object.__setattr__' and args[1] == '__code__':
        _refuse('replacing __code__')
    if event == 'open':
        path, mode, flags = args
        read_only = (mode is None or mode in ('r', 'rb')) and (flags & 3) == 0
        if not (isinstance(path, str) and read_only and path.startswith(_STDLIB_PREFIXES)):
            _refuse('opening files')

# Functions user code holds (its __import__ and open) are made in a namespace of their own.
_USER_HELPERS = """
def _refuse(what):
    raise PermissionError(what + ' is not allowed in a code node')

def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    # The import audit event fires only for a module not loaded yet; one the runtime loaded
    # itself is refused here, by name, with a clear message.
    if level == 0 and any(name == m or name.startswith(m + '.') for m in FORBIDDEN):
        _refuse('importing ' + name)
    return real_import(name, globals, locals, fromlist, level)

def refused_open(*args, **kwargs):
    _refuse('opening files')
"""
_helpers = {'__builtins__': builtins, 'real_import': builtins.__import__, 'FORBIDDEN': (
    _BRIDGE + _MODULES_NEVER + ('subprocess', 'socket', '_socket', 'ssl', '_ssl', 'signal',
    '_signal', 'gc', '_imp', 'importlib', 'asyncio', 'select', 'selectors', 'builtins'))}
exec(_USER_HELPERS, _helpers)

sys.addaudithook(_audit)

# --- the shared state each job starts from -----------------------------------------------------

def _class_dicts(module_dict):
    return {v: dict(v.__dict__) for v in module_dict.values()
            if isinstance(v, type) and v.__flags__ & (1 << 9)}  # Py_TPFLAGS_HEAPTYPE: writable

_baseline_modules = dict(sys.modules)
_baseline_dicts = [(m.__dict__, dict(m.__dict__)) for m in _baseline_modules.values()
                   if isinstance(getattr(m, '__dict__', None), dict)]
_baseline_dicts.append((os.environ._data, dict(os.environ._data)))
_baseline_classes = {}
for _m in _baseline_modules.values():
    if isinstance(getattr(_m, '__dict__', None), dict):
        _baseline_classes.update(_class_dicts(_m.__dict__))
del _m
_baseline_lists = [(l, list(l)) for l in (sys.path, sys.meta_path, sys.path_hooks)]
if 'warnings' in sys.modules:
    _baseline_lists.append((sys.modules['warnings'].filters,
                            list(sys.modules['warnings'].filters)))
_baseline_recursion = sys.getrecursionlimit()
_MISSING = object()
_UNWRITABLE_CLASS_KEYS = frozenset(('__dict__', '__weakref__'))

def _restore_dict(current, snapshot, set_item, del_item):
    # Compares by identity: restoring must not call code that user code defined.
    for key in [k for k in current if k not in snapshot]:
        del_item(key)
    for key, value in snapshot.items():
        if current.get(key, _MISSING) is not value:
            set_item(key, value)

def _restore():
    modules = sys.modules
    for name in [n for n in modules if n not in _baseline_modules]:
        del modules[name]
    for name, module in _baseline_modules.items():
        if modules.get(name, _MISSING) is not module:
            modules[name] = module
    for live, snapshot in _baseline_dicts:
        _restore_dict(live, snapshot, live.__setitem__, live.__delitem__)
    for cls, snapshot in _baseline_classes.items():
        current = {k: v for k, v in cls.__dict__.items() if k not in _UNWRITABLE_CLASS_KEYS}
        try:
            _restore_dict(current, snapshot, lambda k, v: setattr(cls, k, v),
                          lambda k: delattr(cls, k))
        except (AttributeError, TypeError):
            pass
    for live, snapshot in _baseline_lists:
        if len(live) != len(snapshot) or any(a is not b for a, b in zip(live, snapshot)):
            live[:] = snapshot
    sys.setrecursionlimit(_baseline_recursion)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    random.seed()

# --- one job ---------------------------------------------------------------------------------

_FILENAME = '<code>'

def _compile(source):
    tree = ast.parse(source, _FILENAME)
    # The body keeps the user's own line numbers: no wrapper lines are added before it.
    main = ast.FunctionDef(
        name='__weft_main',
        args=ast.arguments(posonlyargs=[], args=[ast.arg(arg='input')], kwonlyargs=[],
                           kw_defaults=[], defaults=[]),
        body=tree.body or [ast.Pass()], decorator_list=[], returns=None, type_params=[])
    main.lineno, main.col_offset = 1, 0
    module = ast.Module(body=[main], type_ignores=[])
    ast.fix_missing_locations(module)
    return compile(module, _FILENAME, 'exec', dont_inherit=True)

def _user_line(tb):
    # Reading frames is refused to user code, so the harness marks this loop as trusted; it calls
    # nothing that user code could have replaced.
    global _trusted
    line = None
    _trusted = True
    try:
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if type(filename) is str and filename == _FILENAME:
                line = tb.tb_lineno
            tb = tb.tb_next
    finally:
        _trusted = False
    return line

_dumps = json.dumps

def _failure(kind, message, line=None, column=None):
    return _dumps({'ok': False, 'kind': kind, 'message': message, 'line': line,
                       'column': column})

def _job_builtins():
    own = dict(builtins.__dict__)
    own['__import__'] = _helpers['guarded_import']
    own['open'] = _helpers['refused_open']
    for name in ('exit', 'quit', 'help', 'breakpoint', 'copyright', 'credits', 'license', 'input'):
        own.pop(name, None)
    return own

def _describe(e):
    try:
        return f'{type(e).__name__}: {e}'
    except BaseException:
        return type(e).__name__

def _run_user(source, input_json):
    try:
        code = _compile(source)
    except SyntaxError as e:
        return _failure('syntax', f'{type(e).__name__}: {e.msg}', e.lineno, e.offset)
    except (ValueError, RecursionError, MemoryError) as e:
        return _failure('syntax', _describe(e))
    scope = {'__builtins__': _job_builtins(), '__name__': '__weft__'}
    exec(code, scope)
    try:
        result = scope['__weft_main'](json.loads(input_json))
    except MemoryError:
        return _failure('memory', 'MemoryError: the code ran out of memory')
    except KeyboardInterrupt:
        return _failure('timeout', 'the code ran past its time limit')
    except BaseException as e:
        return _failure('error', _describe(e), _user_line(e.__traceback__))
    try:
        output = _dumps(result, allow_nan=False)
    except MemoryError:
        return _failure('memory', 'MemoryError: the code ran out of memory')
    except BaseException as e:
        return _failure('invalid_output', 'the return value is not JSON (' + _describe(e) + ')')
    return _dumps({'ok': True, 'output': output})

def weft_run(source, input_json):
    try:
        return _run_user(source, input_json)
    except MemoryError:
        return _failure('memory', 'MemoryError: the code ran out of memory')
    except KeyboardInterrupt:
        return _failure('timeout', 'the code ran past its time limit')
    except BaseException as e:
        return _failure('error', _describe(e))
    finally:
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        gc.collect()
        _restore()
`;
