; Syntax the Python front end turns into facts. The capture name says which fact a node
; becomes. Details (arguments, parameters, docstrings) are read from the captured node's fields
; by src/lang/python.rs. The patterns are compiled as a query, then read into a table by node
; kind that one walk over each file's tree applies, so only two forms are supported:
; `(kind) @capture` and `(kind field: (child_kind)) @capture`.

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

; String dispatch: `if name == "x":`, `elif "x" == name:`, `case "x":`, `if name != "x": raise`,
; `assert name == "x"`, `if name == "x" and ...:`
(if_statement condition: (comparison_operator)) @dispatch
(elif_clause condition: (comparison_operator)) @dispatch
(if_statement condition: (boolean_operator)) @dispatch
(elif_clause condition: (boolean_operator)) @dispatch
(assert_statement) @dispatch
(case_clause) @dispatch

; What functions return: `return value`
(return_statement) @return

; `global x`: the function's assignments to `x` bind the module's name
(global_statement) @global

; Checks that may stop or gate what follows: `if`, `elif`, `assert`
(if_statement) @check
(elif_clause) @check
(assert_statement) @check

; Code that does not run every time the code around it does
(for_statement) @loop
(while_statement) @loop
(except_clause) @region
(case_clause) @region
(lambda) @region
(list_comprehension) @region
(set_comprehension) @region
(dictionary_comprehension) @region
(generator_expression) @region
(conditional_expression) @branches
(boolean_operator) @branches
(try_statement) @try
