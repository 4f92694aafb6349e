const _: () = {
    #[automatically_derived]
    impl ::orm_core::__private::Model for Parent {
        fn meta() -> &'static ::orm_core::__private::ModelMeta {
            static COLUMNS: [::orm_core::__private::ColumnMeta; 2usize] = [
                ::orm_core::__private::ColumnMeta {
                    field: "id",
                    name: "id",
                    sql_type: <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::SQL_TYPE,
                    nullable: <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::NULLABLE,
                    primary_key: true,
                    autoincrement: <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::NULLABLE
                        && matches!(
                            < Option < i64 > as ::orm_core::__private::ColumnType >
                            ::SQL_TYPE, ::orm_core::__private::SqlType::Integer
                        ),
                    unique: false,
                    foreign_key: ::std::option::Option::None,
                    index: ::std::option::Option::None,
                    on_delete: ::std::option::Option::None,
                    on_update: ::std::option::Option::None,
                    version: false,
                    server_default: ::std::option::Option::None,
                    default: ::std::option::Option::None,
                },
                ::orm_core::__private::ColumnMeta {
                    field: "name",
                    name: "full_name",
                    sql_type: <String as ::orm_core::__private::ColumnType>::SQL_TYPE,
                    nullable: <String as ::orm_core::__private::ColumnType>::NULLABLE,
                    primary_key: false,
                    autoincrement: false,
                    unique: true,
                    foreign_key: ::std::option::Option::None,
                    index: ::std::option::Option::None,
                    on_delete: ::std::option::Option::None,
                    on_update: ::std::option::Option::None,
                    version: false,
                    server_default: ::std::option::Option::None,
                    default: ::std::option::Option::None,
                },
            ];
            static RELATIONSHIPS: [::orm_core::__private::RelationshipMeta; 1usize] = [
                ::orm_core::__private::RelationshipMeta {
                    field: "children",
                    target: <Child as ::orm_core::__private::Model>::meta,
                    cardinality: ::orm_core::__private::Cardinality::Many,
                    back_populates: ::std::option::Option::Some("parent"),
                    backref: ::std::option::Option::None,
                    secondary: ::std::option::Option::None,
                    foreign_keys: &[],
                    cascade: ::orm_core::__private::Cascade::DEFAULT,
                    passive_deletes: ::orm_core::__private::PassiveDeletes::Off,
                    viewonly: false,
                    filter: ::std::option::Option::None,
                    post_update: false,
                    order_by: &[],
                    lazy: ::orm_core::__private::Lazy::Select,
                },
            ];
            static META: ::orm_core::__private::ModelMeta = ::orm_core::__private::ModelMeta {
                name: "Parent",
                table: "parent",
                columns: &COLUMNS,
                relationships: &RELATIONSHIPS,
                constraints: &[],
                get: <Parent as ::orm_core::__private::Model>::meta,
                construct: ::orm_core::__private::construct::<Parent>,
            };
            &META
        }
        fn column_value(
            &self,
            index: usize,
        ) -> ::orm_core::__private::Result<::orm_core::__private::Value> {
            match index {
                0usize => {
                    <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::try_to_value(&self.id)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Parent",
                            "id",
                            e,
                        ))
                }
                1usize => {
                    <String as ::orm_core::__private::ColumnType>::try_to_value(
                            &self.name,
                        )
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Parent",
                            "full_name",
                            e,
                        ))
                }
                _ => ::std::result::Result::Ok(::orm_core::__private::Value::Null),
            }
        }
        fn column_holds(
            &self,
            index: usize,
            value: &::orm_core::__private::Value,
        ) -> bool {
            match index {
                0usize => {
                    <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::holds(&self.id, value)
                }
                1usize => {
                    <String as ::orm_core::__private::ColumnType>::holds(
                        &self.name,
                        value,
                    )
                }
                _ => value.is_null(),
            }
        }
        fn set_column_value(
            &mut self,
            index: usize,
            value: ::orm_core::__private::Value,
        ) -> ::orm_core::__private::Result<()> {
            match index {
                0usize => {
                    self.id = <Option<
                        i64,
                    > as ::orm_core::__private::ColumnType>::from_value(value)
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Parent",
                            "id",
                            e,
                        ))?;
                    ::std::result::Result::Ok(())
                }
                1usize => {
                    self.name = <String as ::orm_core::__private::ColumnType>::from_value(
                            value,
                        )
                        .map_err(|e| ::orm_core::__private::column_error(
                            "Parent",
                            "full_name",
                            e,
                        ))?;
                    ::std::result::Result::Ok(())
                }
                _ => {
                    ::std::result::Result::Err(
                        ::orm_core::__private::Error::Internal(
                            ::std::format!("{} has no column #{}", "Parent", index),
                        ),
                    )
                }
            }
        }
        fn from_values(
            values: ::std::vec::Vec<::orm_core::__private::Value>,
        ) -> ::orm_core::__private::Result<Self> {
            let mut values = values.into_iter();
            ::std::result::Result::Ok(Parent {
                id: <Option<
                    i64,
                > as ::orm_core::__private::ColumnType>::from_value(
                        ::orm_core::__private::next_value(&mut values)?,
                    )
                    .map_err(|e| ::orm_core::__private::column_error(
                        "Parent",
                        "id",
                        e,
                    ))?,
                name: <String as ::orm_core::__private::ColumnType>::from_value(
                        ::orm_core::__private::next_value(&mut values)?,
                    )
                    .map_err(|e| ::orm_core::__private::column_error(
                        "Parent",
                        "full_name",
                        e,
                    ))?,
                children: ::orm_core::__private::Many::<Child>::unloaded(),
            })
        }
        fn relationship(
            &self,
            index: usize,
        ) -> ::std::option::Option<
            &(dyn ::orm_core::__private::RelationshipField + 'static),
        > {
            match index {
                0usize => {
                    ::std::option::Option::Some(
                        &self.children
                            as &(dyn ::orm_core::__private::RelationshipField + 'static),
                    )
                }
                _ => ::std::option::Option::None,
            }
        }
        fn relationship_mut(
            &mut self,
            index: usize,
        ) -> ::std::option::Option<
            &mut (dyn ::orm_core::__private::RelationshipField + 'static),
        > {
            match index {
                0usize => {
                    ::std::option::Option::Some(
                        &mut self.children
                            as &mut (dyn ::orm_core::__private::RelationshipField + 'static),
                    )
                }
                _ => ::std::option::Option::None,
            }
        }
    }
    #[allow(non_upper_case_globals, dead_code)]
    impl Parent {
        ///The `parent.id` column, for queries.
        pub const id: ::orm_core::__private::Col<Parent, Option<i64>> = ::orm_core::__private::Col::new(
            0usize,
        );
        ///The `parent.full_name` column, for queries.
        pub const name: ::orm_core::__private::Col<Parent, String> = ::orm_core::__private::Col::new(
            1usize,
        );
        ///The `Parent.children` relationship, for `Obj::get`, `set`, `append` and `remove`.
        pub const children: ::orm_core::__private::Rel<Parent, Many<Child>> = ::orm_core::__private::Rel::new(
            0usize,
        );
    }
    const _: () = ::orm_core::__private::assert_back_populates::<
        Parent,
        _,
    >(&<Child>::parent);
    ::orm_core::__private::inventory::submit! {
        ::orm_core::__private::ModelRegistration(< Parent as ::orm_core::__private::Model
        > ::meta)
    }
};
