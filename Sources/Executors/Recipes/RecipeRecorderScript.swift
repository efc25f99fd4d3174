import Foundation

/// A recording stand-in for casa-distro's `casa_distro.image_builder` module, and the program that
/// runs a `build_image.py` against it and prints its steps as JSON. casa-release writes both to a
/// temporary directory and runs them with python3; no casa-distro code is involved.
///
/// The module offers what casa-distro's recipes use: `ImageBuilder(name, base=...)` and its
/// `@builder.step` decorator; each step is then called as `step(base_dir=<recipe dir>, builder=...)`
/// with a recorder offering `run_root`, `run_user`, `copy_root`, `copy_user`, `symlink`,
/// `environment`, `extract_tar`, `install_casa_distro` and the `image_id`, `image_version`, `user`
/// and `metadata` attributes.
enum RecipeRecorderScript {
    static let module = #"""
        import sys


        class ImageBuilder(object):
            """Collects a recipe's steps, in declaration order."""

            def __init__(self, name, base=None, **kwargs):
                self.name = name
                self.base = base
                self.steps = []

            def step(self, function):
                self.steps.append(function)
                return function


        def _caller_line():
            frame = sys._getframe(2)
            recipe = getattr(RecordingBuilder, 'recipe_file', None)
            while frame is not None:
                if frame.f_code.co_filename == recipe:
                    return frame.f_lineno
                frame = frame.f_back
            return None


        class RecordingBuilder(object):
            """Records what a step asks for instead of doing it."""

            recipe_file = None

            def __init__(self, builder, image_version, image_id):
                self.name = builder.name
                self.base = builder.base
                self.image_version = image_version
                self.image_id = image_id
                self.user = None
                self.metadata = {}
                self.operations = []

            def _record(self, op, **fields):
                fields['op'] = op
                fields['line'] = _caller_line()
                self.operations.append(fields)

            def run_root(self, command):
                self._record('run_root', command=command)

            def run_user(self, command):
                self._record('run_user', command=command)

            def copy_root(self, source, dest, preserve_symlinks=True, preserve_ext_symlinks=True):
                self._record('copy_root', source=source, destination=dest,
                             preserve_symlinks=bool(preserve_symlinks), preserve_ext_symlinks=bool(preserve_ext_symlinks))

            def copy_user(self, source, dest, preserve_symlinks=True, preserve_ext_symlinks=True):
                self._record('copy_user', source=source, destination=dest,
                             preserve_symlinks=bool(preserve_symlinks), preserve_ext_symlinks=bool(preserve_ext_symlinks))

            def symlink(self, target, link):
                self._record('symlink', target=target, link=link)

            def environment(self, variables=None, **kwargs):
                items = list((variables or {}).items()) + list(kwargs.items())
                self._record('environment', variables=[{'name': str(k), 'value': str(v)} for k, v in items])

            def extract_tar(self, source, dest):
                self._record('extract_tar', source=source, destination=dest)

            def install_casa_distro(self, dest):
                self._record('install_casa_distro', destination=dest)
        """#

    static let driver = #"""
        import json
        import sys
        import traceback

        recipe_file, base_dir, image_version, image_id = sys.argv[1:5]
        from casa_distro import image_builder


        def fail(message, line=None):
            json.dump({'error': message, 'line': line}, sys.stdout)
            sys.exit(3)


        def line_of(error):
            line = None
            for frame in traceback.extract_tb(error.__traceback__):
                if frame.filename == recipe_file:
                    line = frame.lineno
            return line


        with open(recipe_file) as f:
            source = f.read()
        try:
            code = compile(source, recipe_file, 'exec')
        except SyntaxError as error:
            fail('syntax error: %s' % error.msg, error.lineno)
        namespace = {'__file__': recipe_file, '__name__': '__casa_release_recipe__'}
        try:
            exec(code, namespace)
        except Exception as error:
            fail('%s: %s' % (type(error).__name__, error), line_of(error))
        builder = namespace.get('builder')
        if not isinstance(builder, image_builder.ImageBuilder):
            fail('defines no `builder` made with casa_distro.image_builder.ImageBuilder')
        image_builder.RecordingBuilder.recipe_file = recipe_file
        recorder = image_builder.RecordingBuilder(builder, image_version, image_id)
        steps = []
        for step in builder.steps:
            recorder.operations = []
            try:
                step(base_dir=base_dir, builder=recorder)
            except Exception as error:
                fail('step %s: %s: %s' % (step.__name__, type(error).__name__, error), line_of(error))
            steps.append({'name': step.__name__, 'operations': recorder.operations})
        if not isinstance(builder.base, str):
            fail('the ImageBuilder has no base= (the base image file name)')
        json.dump({'name': builder.name, 'base': builder.base, 'steps': steps,
                   'metadata': [[str(k), v] for k, v in recorder.metadata.items()]}, sys.stdout)
        """#
}
