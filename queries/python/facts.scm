; Syntax the Python front end turns into facts. One combined query runs once per file; the
; capture name says which fact a node becomes. Details (arguments, parameters, docstrings) are
; read from the captured node's fields by src/lang/python.rs.

; Definitions
(function_definition) @function
(class_definition) @class

; Imports: `import a.b as c`, `from .x import y as z`
(import_statement) @import
(import_from_statement) @import

; Calls anywhere, including decorators
(call) @call

; Bindings: `x = value`, `self.x = value`, `with value as x`
(assignment) @assignment
(with_item value: (as_pattern)) @with

; String dispatch: `if name == "x":`, `elif "x" == name:`, `case "x":`
(if_statement condition: (comparison_operator)) @dispatch
(elif_clause condition: (comparison_operator)) @dispatch
(case_clause) @dispatch
